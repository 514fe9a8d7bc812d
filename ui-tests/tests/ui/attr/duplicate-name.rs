use module_registry::Module;

#[derive(Module, Default)]
#[module(name = "cache", name = "store")]
struct Cache;

fn main() {}
