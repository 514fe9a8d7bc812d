use module_registry::Module;

#[derive(Module, Default)]
#[module(kind = Database)]
struct Storage;

fn main() {}
