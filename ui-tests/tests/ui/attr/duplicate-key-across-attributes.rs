use module_registry::Module;

#[derive(Module, Default)]
#[module(version = "1.0.0")]
#[module(version = "2.0.0")]
struct Cache;

fn main() {}
