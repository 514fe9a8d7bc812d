use module_registry::{Context, Module, ModuleError};

#[derive(Module)]
#[module(create = async Pool::open)]
struct Pool;

impl Pool {
    fn open(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Pool)
    }
}

fn main() {}
