//! Every form of async hook compiles, beside synchronous ones.
use std::sync::Arc;

use module_registry::{AsyncLifecycle, Context, Lifecycle, Module, ModuleError};

#[derive(Module, Default)]
#[module(lifecycle)]
struct Config;

impl Lifecycle for Config {}

#[derive(Module)]
#[module(depends_on = [Config], create = async Pool::open, lifecycle = async)]
struct Pool {
    _config: Arc<Config>,
}

impl Pool {
    async fn open(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        std::future::ready(()).await;
        Ok(Pool { _config: ctx.dep::<Config>() })
    }
}

impl AsyncLifecycle for Pool {
    async fn initialize(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }
    async fn cleanup(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }
}

#[derive(Module)]
#[module(create = async Repo::new)]
struct Repo;

impl Repo {
    async fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Repo)
    }
}

#[derive(Module, Default)]
#[module(lifecycle = async)]
struct Warm;

impl AsyncLifecycle for Warm {}

fn main() {}
