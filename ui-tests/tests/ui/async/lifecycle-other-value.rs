use module_registry::Module;

#[derive(Module, Default)]
#[module(lifecycle = sync)]
struct Pool;

fn main() {}
