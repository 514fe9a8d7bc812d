use module_registry::Module;

#[derive(Module, Default)]
#[module(name)]
struct Cache;

fn main() {}
