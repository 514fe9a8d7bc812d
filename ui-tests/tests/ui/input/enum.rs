use module_registry::Module;

#[derive(Module)]
enum Storage {
    Memory,
    Disk,
}

fn main() {}
