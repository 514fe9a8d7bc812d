use module_registry::Module;

#[derive(Module, Default)]
#[module(lifecycle)]
struct Storage;

fn main() {}
