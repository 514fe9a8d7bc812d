use module_registry::Module;

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage], optional = [Storage])]
struct Cache;

fn main() {}
