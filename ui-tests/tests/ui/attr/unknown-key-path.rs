use module_registry::Module;

#[derive(Module, Default)]
#[module(module::name = "cache")]
struct Cache;

fn main() {}
