//! Demo plugin: counters other modules bump and the host reports.

use std::collections::BTreeMap;
use std::sync::Mutex;

use module_registry::Module;

/// Named counters, shared by every module that lists it under `optional`.
#[derive(Module, Default)]
#[module(version = "0.9.0", kind = Monitoring, capabilities = ["metrics"])]
pub struct Metrics {
    counters: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    /// Adds one to `name`.
    pub fn bump(&self, name: &str) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *counters.entry(name.to_owned()).or_default() += 1;
    }

    /// Every counter, sorted by name.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
