use module_registry::{AsyncLifecycle, Module, ModuleError};

#[derive(Module, Default)]
#[module(lifecycle = async)]
struct Pool;

impl AsyncLifecycle for Pool {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }
}

fn main() {}
