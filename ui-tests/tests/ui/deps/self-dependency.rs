use module_registry::Module;

#[derive(Module, Default)]
#[module(depends_on = [Cache])]
struct Cache;

fn main() {}
