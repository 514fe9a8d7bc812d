use module_registry::Module;

#[derive(Module)]
#[module(create = "Cache::new")]
struct Cache;

fn main() {}
