use module_registry::{Lifecycle, Module, ModuleError};

#[derive(Module, Default)]
struct Storage;

impl Lifecycle for Storage {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }
}

fn main() {}
