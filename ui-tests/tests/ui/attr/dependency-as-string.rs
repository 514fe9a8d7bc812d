use module_registry::Module;

#[derive(Module, Default)]
#[module(depends_on = ["storage"])]
struct Cache;

fn main() {}
