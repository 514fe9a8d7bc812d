use std::rc::Rc;

use module_registry::{Context, Module, ModuleError};

#[derive(Module)]
#[module(create = async Pool::open)]
struct Pool;

impl Pool {
    async fn open(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let local = Rc::new(1);
        std::future::ready(()).await;
        drop(local);
        Ok(Pool)
    }
}

fn main() {}
