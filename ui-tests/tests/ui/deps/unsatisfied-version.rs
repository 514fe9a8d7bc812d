use module_registry::Module;

#[derive(Module, Default)]
#[module(version = "1.2.0")]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage = "^2"])]
struct Cache;

fn main() {}
