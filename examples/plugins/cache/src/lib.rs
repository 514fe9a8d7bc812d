//! Demo plugin: a cache in front of the SQLite storage, from another crate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use demo_metrics::Metrics;
use demo_storage::SqliteStorage;
use module_registry::{Context, Module, ModuleError};

/// Read-through, write-through cache of storage values.
#[derive(Module)]
#[module(version = "0.3.1", capabilities = ["cache"], requires = ["persistence"],
         depends_on = [SqliteStorage = "^1.2"], optional = [Metrics], create = Cache::new)]
pub struct Cache {
    storage: Arc<SqliteStorage>,
    metrics: Option<Arc<Metrics>>,
    entries: Mutex<HashMap<String, Vec<u8>>>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            storage: ctx.dep::<SqliteStorage>(),
            metrics: ctx.optional::<Metrics>(),
            entries: Mutex::new(HashMap::new()),
        })
    }

    fn bump(&self, name: &str) {
        if let Some(m) = &self.metrics {
            m.bump(name);
        }
    }

    /// The value under `key`, from memory or else from storage.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ModuleError> {
        if let Some(v) = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            self.bump("cache.hit");
            return Ok(Some(v.clone()));
        }
        self.bump("cache.miss");
        let value = self.storage.get(key)?;
        if let Some(v) = &value {
            self.entries
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.to_owned(), v.clone());
        }
        Ok(value)
    }

    /// Writes through to storage, then caches.
    pub fn put(&self, key: &str, value: Vec<u8>) -> Result<(), ModuleError> {
        self.storage.put(key, &value)?;
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), value);
        Ok(())
    }

    /// The storage underneath.
    pub fn storage(&self) -> &SqliteStorage {
        &self.storage
    }
}
