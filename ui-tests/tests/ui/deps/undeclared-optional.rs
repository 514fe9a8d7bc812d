use std::sync::Arc;

use module_registry::{Context, Module, ModuleError};

#[derive(Module, Default)]
struct Metrics;

#[derive(Module)]
#[module(create = Cache::new)]
struct Cache {
    metrics: Option<Arc<Metrics>>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            metrics: ctx.optional::<Metrics>(),
        })
    }
}

fn main() {}
