use module_registry::Module;

#[derive(Module, Default)]
#[module(provides = [dyn CacheApi])]
struct Cache;

fn main() {}
