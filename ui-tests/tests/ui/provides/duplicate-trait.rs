use module_registry::Module;

trait CacheApi: Send + Sync {}

#[derive(Module, Default)]
#[module(provides = [dyn CacheApi, dyn CacheApi])]
struct Cache;

impl CacheApi for Cache {}

fn main() {}
