//! A crate that forbids unsafe code declares modules with every key that generates code: the
//! derive's `unsafe impl`s are its own, not the crate's.
#![forbid(unsafe_code)]

use module_registry::{Context, Module, ModuleError, Processor, Registry};

/// Storage.
#[derive(Module, Default)]
#[module(version = "1.0.0", provides = [dyn Processor])]
pub struct Storage;

impl Processor for Storage {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_vec())
    }
}

/// Cache.
#[derive(Module)]
#[module(depends_on = [Storage = "^1"], create = Cache::new)]
pub struct Cache;

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let _ = ctx.dep::<Storage>();
        Ok(Cache)
    }
}

fn main() {
    assert_eq!(Registry::global().get::<Cache>().name(), "cache");
    let runtime = Registry::global().boot().unwrap();
    assert!(runtime.processor("storage").is_some());
}
