use module_registry::Module;

#[derive(Module, Default)]
#[module(create = async)]
struct Pool;

fn main() {}
