//! Checks the whole module graph (this crate and the plugin crates) before the host compiles,
//! and writes the link file `module_registry::link_modules!()` includes.
fn main() {
    module_registry_build::Checker::new()
        .require_capability("storage")
        .require_capability("processing")
        .run();
}
