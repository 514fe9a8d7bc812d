use std::sync::Arc;

use module_registry::{Context, Module, ModuleError};

#[derive(Module, Default)]
struct Storage;

#[derive(Module)]
#[module(create = Cache::new)]
struct Cache {
    storage: Arc<Storage>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            storage: ctx.dep::<Storage>(),
        })
    }
}

fn main() {}
