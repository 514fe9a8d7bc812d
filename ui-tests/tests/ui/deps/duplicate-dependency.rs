use module_registry::Module;

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage, Storage = "^0.1"])]
struct Cache;

fn main() {}
