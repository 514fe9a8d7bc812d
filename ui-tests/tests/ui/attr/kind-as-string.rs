use module_registry::Module;

#[derive(Module, Default)]
#[module(kind = "Storage")]
struct Storage;

fn main() {}
