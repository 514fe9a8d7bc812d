use module_registry::{Context, Module, ModuleError};

#[derive(Module)]
#[module(create = async Pool::open)]
struct Pool;

impl Pool {
    async fn open(_: &Context<'_, Self>) -> Result<u32, ModuleError> {
        Ok(0)
    }
}

fn main() {}
