use module_registry::Module;

#[derive(Module, Default)]
#[module(version = 1.2.0)]
struct Storage;

fn main() {}
