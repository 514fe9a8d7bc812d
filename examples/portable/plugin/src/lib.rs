//! Modules in a crate of their own, which the application names nowhere but in `depends_on`
//! (`Store`) or not at all (`Shout`): linked by `link_modules!()` everywhere, by a linker
//! section where the target has them and by the build check's list where it does not.

use std::collections::BTreeMap;
use std::sync::Mutex;

use module_registry::{Module, ModuleError, Processor};

/// Keeps bytes by key.
#[derive(Module, Default)]
#[module(version = "1.2.0", kind = Storage, capabilities = ["kv"])]
pub struct Store {
    entries: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Store {
    /// Stores `value` under `key`.
    pub fn put(&self, key: &str, value: &[u8]) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(key.to_owned(), value.to_vec());
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }
}

/// Upper-cases bytes; reached only by name, through `dyn Processor`.
#[derive(Module, Default)]
#[module(kind = DataProcessor, provides = [dyn Processor])]
pub struct Shout;

impl Processor for Shout {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_ascii_uppercase())
    }
}
