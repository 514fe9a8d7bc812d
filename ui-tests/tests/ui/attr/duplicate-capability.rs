use module_registry::Module;

#[derive(Module, Default)]
#[module(capabilities = ["storage", "persistence", "storage"])]
struct Storage;

fn main() {}
