//! Modules written by hand (`DynModule`), what their factories see, and the adapters an
//! instance wraps modules in.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::descriptor::{ModuleDescriptor, ModuleType};
use crate::dynamic::config::DependencyConfig;
use crate::error::ModuleError;
use crate::runtime::Runtime;

/// A module written by hand, for the dynamic registry: the FAQ's `Module` trait, object-safe.
///
/// ```
/// use module_registry::{DynModule, ModuleError, ModuleType};
///
/// pub struct CustomModule {
///     name: String,
///     version: String,
/// }
///
/// impl DynModule for CustomModule {
///     fn name(&self) -> &str {
///         &self.name
///     }
///     fn version(&self) -> &str {
///         &self.version
///     }
///     fn module_type(&self) -> ModuleType {
///         ModuleType::Custom("custom".into())
///     }
///     fn capabilities(&self) -> &[&str] {
///         &["custom-processing"]
///     }
///     fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
///         Ok(data.to_vec())
///     }
/// }
///
/// let module: Box<dyn DynModule> = Box::new(CustomModule {
///     name: "custom".into(),
///     version: "0.1.0".into(),
/// });
/// assert_eq!(module.process(b"as is").unwrap(), b"as is");
/// ```
pub trait DynModule: Send + Sync {
    /// The module name; with validation on, it must equal the registered one.
    fn name(&self) -> &str;

    /// The version; with validation on, it must equal the registered one.
    fn version(&self) -> &str;

    /// The kind; with validation on, it must equal the registered one.
    fn module_type(&self) -> ModuleType;

    /// The capabilities the instance offers; with validation on, they must include every
    /// registered one.
    fn capabilities(&self) -> &[&str] {
        &[]
    }

    /// Runs once, after the instance is built and before any dependent is built.
    fn initialize(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }

    /// Runs once when the instance shuts down, after every dependent was cleaned up and dropped.
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }

    /// Transforms `data`. The default refuses: the module does not process data.
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let _ = data;
        Err(ModuleError::new(format!(
            "module \"{}\" does not process data",
            self.name()
        )))
    }
}

/// What a factory receives: the dependencies its module declared, already built and
/// initialized. A module reaches only what it declared.
pub struct Dependencies<'a> {
    pub(crate) module: &'a str,
    pub(crate) declared: &'a [DependencyConfig],
    pub(crate) built: &'a [Built],
}

impl Dependencies<'_> {
    /// The module being built.
    pub fn module_name(&self) -> &str {
        self.module
    }

    /// The dependency `name`: `None` if the module did not declare it, or if it is an optional
    /// dependency that is not registered.
    pub fn get(&self, name: &str) -> Option<Arc<dyn DynModule>> {
        if !self.declared.iter().any(|d| d.name == name) {
            return None;
        }
        self.built
            .iter()
            .find(|b| *b.name == *name)
            .map(|b| -> Arc<dyn DynModule> { b.module.clone() })
    }
}

impl fmt::Debug for Dependencies<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dependencies")
            .field("module", &self.module)
            .field("declared", &self.declared)
            .finish()
    }
}

/// One built module of an instance.
pub(crate) struct Built {
    pub(crate) name: String,
    pub(crate) module: Arc<Hosted>,
    /// `initialize` ran, so `cleanup` runs at shutdown.
    pub(crate) initialized: bool,
    pub(crate) counters: Option<Arc<Counters>>,
    pub(crate) create_time: Duration,
    pub(crate) init_time: Duration,
}

/// A built module in a sized box, so that shutdown can move it out of its `Arc` while only
/// `Weak`s point to it.
pub(crate) struct Hosted(pub(crate) Box<dyn DynModule>);

impl DynModule for Hosted {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn version(&self) -> &str {
        self.0.version()
    }
    fn module_type(&self) -> ModuleType {
        self.0.module_type()
    }
    fn capabilities(&self) -> &[&str] {
        self.0.capabilities()
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.0.initialize()
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        self.0.cleanup()
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        self.0.process(data)
    }
}

/// What monitoring counts for one module.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) calls: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) nanos: AtomicU64,
}

/// Counts the calls of `process` (monitoring on).
pub(crate) struct Monitored {
    pub(crate) inner: Box<dyn DynModule>,
    pub(crate) counters: Arc<Counters>,
}

impl DynModule for Monitored {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn version(&self) -> &str {
        self.inner.version()
    }
    fn module_type(&self) -> ModuleType {
        self.inner.module_type()
    }
    fn capabilities(&self) -> &[&str] {
        self.inner.capabilities()
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.inner.initialize()
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        self.inner.cleanup()
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let t = Instant::now();
        let result = self.inner.process(data);
        let nanos = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        self.counters
            .errors
            .fetch_add(u64::from(result.is_err()), Ordering::Relaxed);
        self.counters.nanos.fetch_add(nanos, Ordering::Relaxed);
        result
    }
}

/// A statically linked module, seen through the dynamic interface: `process` goes to the
/// static runtime's `processor(name)`.
pub(crate) struct Linked {
    pub(crate) descriptor: &'static ModuleDescriptor,
    pub(crate) version: String,
    pub(crate) runtime: Arc<Runtime>,
}

impl DynModule for Linked {
    fn name(&self) -> &str {
        self.descriptor.name()
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn module_type(&self) -> ModuleType {
        self.descriptor.kind().clone()
    }
    fn capabilities(&self) -> &[&str] {
        self.descriptor.capabilities()
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        match self.runtime.processor(self.descriptor.name()) {
            Some(p) => p.process(data),
            None => Err(ModuleError::new(format!(
                "module \"{}\" is statically linked and does not provide `dyn Processor`: add `provides = [dyn Processor]` to its `#[module(...)]`",
                self.descriptor.name()
            ))),
        }
    }
}
