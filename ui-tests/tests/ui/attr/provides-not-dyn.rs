use module_registry::Module;

trait CacheApi {}

#[derive(Module, Default)]
#[module(provides = [CacheApi])]
struct Cache;

impl CacheApi for Cache {}

fn main() {}
