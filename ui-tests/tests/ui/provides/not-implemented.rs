use module_registry::Module;

trait CacheApi: Send + Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
}

#[derive(Module, Default)]
#[module(provides = [dyn CacheApi])]
struct Cache;

fn main() {}
