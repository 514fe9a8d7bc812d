use module_registry::Module;

#[derive(Module)]
#[module(create = Cache::new)]
struct Cache;

impl Cache {
    fn new() -> Self {
        Cache
    }
}

fn main() {}
