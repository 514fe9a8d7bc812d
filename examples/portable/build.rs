fn main() {
    module_registry_build::Checker::new().run();
}
