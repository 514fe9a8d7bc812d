use module_registry::Module;

#[derive(Module, Default)]
#[module(lifecycle = async)]
struct Pool;

fn main() {}
