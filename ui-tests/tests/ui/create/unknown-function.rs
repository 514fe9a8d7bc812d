use module_registry::Module;

#[derive(Module)]
#[module(create = Cache::build)]
struct Cache;

fn main() {}
