use module_registry::Module;

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = Storage)]
struct Cache;

fn main() {}
