use module_registry::{Context, Module};

#[derive(Module)]
#[module(create = Cache::new)]
struct Cache;

impl Cache {
    fn new(_ctx: &Context<'_, Self>) -> Self {
        Cache
    }
}

fn main() {}
