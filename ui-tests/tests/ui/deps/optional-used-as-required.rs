use std::sync::Arc;

use module_registry::{Context, Module, ModuleError};

#[derive(Module, Default)]
struct Metrics;

#[derive(Module)]
#[module(optional = [Metrics], create = Cache::new)]
struct Cache {
    metrics: Arc<Metrics>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            metrics: ctx.dep::<Metrics>(),
        })
    }
}

fn main() {}
