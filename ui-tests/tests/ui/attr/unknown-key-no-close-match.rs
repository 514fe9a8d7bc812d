use module_registry::Module;

#[derive(Module, Default)]
#[module(flavor = "vanilla")]
struct Cache;

fn main() {}
