use module_registry::Module;

#[derive(Module, Default)]
#[module(version = "1.2")]
struct Storage;

fn main() {}
