//! Hand-written dynamic modules that log what happens to them, and a builder for their
//! configurations.

use std::sync::{Arc, Mutex};

use module_registry::dynamic::DependencyConfig;
use module_registry::{DynModule, ModuleConfig, ModuleError, ModuleType};

/// A log shared between a test and the modules it builds.
pub type Log = Arc<Mutex<Vec<String>>>;

/// The lines logged so far.
pub fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// Appends a line, even after a panic poisoned the log.
pub fn push(log: &Log, line: String) {
    log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
}

/// How a hook of a [`Probe`] ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fail {
    /// It succeeds.
    #[default]
    No,
    /// It returns an error.
    Error,
    /// It panics.
    Panic,
}

fn fail(what: Fail, text: String) -> Result<(), ModuleError> {
    match what {
        Fail::No => Ok(()),
        Fail::Error => Err(ModuleError::new(text)),
        Fail::Panic => panic!("{text}"),
    }
}

/// A hand-written module that logs its hooks and its drop, and chains `process` through the
/// dependencies its factory was given.
pub struct Probe {
    pub name: String,
    pub version: String,
    pub kind: ModuleType,
    pub caps: Vec<&'static str>,
    pub log: Log,
    pub deps: Vec<Arc<dyn DynModule>>,
    pub init: Fail,
    pub cleanup: Fail,
}

impl Probe {
    /// A `Service` at version 1.0.0, without capabilities or dependencies, whose hooks succeed.
    pub fn new(name: &str, log: &Log) -> Self {
        Probe {
            name: name.to_owned(),
            version: "1.0.0".to_owned(),
            kind: ModuleType::Service,
            caps: Vec::new(),
            log: log.clone(),
            deps: Vec::new(),
            init: Fail::No,
            cleanup: Fail::No,
        }
    }
}

impl DynModule for Probe {
    fn name(&self) -> &str {
        &self.name
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn module_type(&self) -> ModuleType {
        self.kind.clone()
    }
    fn capabilities(&self) -> &[&str] {
        &self.caps
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        push(&self.log, format!("init {}", self.name));
        fail(self.init, format!("{} init failed", self.name))
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        push(&self.log, format!("cleanup {}", self.name));
        fail(self.cleanup, format!("{} cleanup failed", self.name))
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let mut out = data.to_vec();
        for dep in &self.deps {
            out = dep.process(&out)?;
        }
        out.extend_from_slice(format!("|{}", self.name).as_bytes());
        Ok(out)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        push(&self.log, format!("drop {}", self.name));
    }
}

/// Builds the `ModuleConfig` of a [`Probe`]. Its factory fails if a required dependency is not
/// handed over, logs which declared dependencies it got (`create name [dep,dep]`), and keeps
/// them.
#[derive(Clone)]
pub struct ProbeConfig {
    name: String,
    version: String,
    kind: ModuleType,
    caps: Vec<&'static str>,
    deps: Vec<DependencyConfig>,
    create: Fail,
    init: Fail,
    cleanup: Fail,
}

/// A [`ProbeConfig`] for a `Service` at version 1.0.0 whose hooks succeed.
pub fn probe(name: &str) -> ProbeConfig {
    ProbeConfig {
        name: name.to_owned(),
        version: "1.0.0".to_owned(),
        kind: ModuleType::Service,
        caps: Vec::new(),
        deps: Vec::new(),
        create: Fail::No,
        init: Fail::No,
        cleanup: Fail::No,
    }
}

impl ProbeConfig {
    pub fn version(mut self, v: &str) -> Self {
        self.version = v.to_owned();
        self
    }
    pub fn kind(mut self, k: ModuleType) -> Self {
        self.kind = k;
        self
    }
    pub fn cap(mut self, c: &'static str) -> Self {
        self.caps.push(c);
        self
    }
    pub fn dep(mut self, d: impl Into<DependencyConfig>) -> Self {
        self.deps.push(d.into());
        self
    }
    /// How the factory ends.
    pub fn create(mut self, f: Fail) -> Self {
        self.create = f;
        self
    }
    /// How `initialize` ends.
    pub fn init(mut self, f: Fail) -> Self {
        self.init = f;
        self
    }
    /// How `cleanup` ends.
    pub fn cleanup(mut self, f: Fail) -> Self {
        self.cleanup = f;
        self
    }
    /// The configuration, with a factory whose probes write to `log`.
    pub fn config(self, log: &Log) -> ModuleConfig {
        let ProbeConfig {
            name,
            version,
            kind,
            caps,
            deps,
            create,
            init,
            cleanup,
        } = self;
        let mut config = ModuleConfig::new()
            .with_name(name.as_str())
            .with_version(version.as_str())
            .with_type(kind.clone());
        for c in &caps {
            config = config.add_capability(*c);
        }
        for d in &deps {
            config = config.add_dependency(d.clone());
        }
        let log = log.clone();
        config.with_factory(move |ctx| {
            let mut got = Vec::new();
            let mut seen = Vec::new();
            for d in &deps {
                match ctx.get(d.name()) {
                    Some(m) => {
                        seen.push(d.name().to_owned());
                        got.push(m);
                    }
                    None if d.is_optional() => {}
                    None => {
                        return Err(ModuleError::new(format!(
                            "{name}: required dependency {} not handed over",
                            d.name()
                        )))
                    }
                }
            }
            push(&log, format!("create {} [{}]", name, seen.join(",")));
            fail(create, format!("{name} create failed"))?;
            Ok(Box::new(Probe {
                name: name.clone(),
                version: version.clone(),
                kind: kind.clone(),
                caps: caps.clone(),
                log: log.clone(),
                deps: got,
                init,
                cleanup,
            }))
        })
    }
}

/// Where a [`hoarder`] keeps the dependency it should not.
pub type Stash = Mutex<Vec<Arc<dyn DynModule>>>;

/// `name`, depending on `dep`, whose factory keeps a clone of `dep` in `stash`: `dep` cannot
/// be cleaned up with the instance while the stash holds it.
pub fn hoarder(name: &'static str, dep: &'static str, stash: &'static Stash) -> ModuleConfig {
    cfg(name, "1.0.0")
        .add_dependency(dep)
        .with_factory(move |ctx| {
            stash.lock().unwrap().push(ctx.get(dep).ok_or("missing")?);
            Ok(Box::new(Probe::new(name, &Log::default())))
        })
}

/// An optional dependency on `name`.
pub fn opt(name: &str) -> DependencyConfig {
    DependencyConfig::new(name).optional()
}

/// A configuration with a name and a version only: no factory, no dependencies.
pub fn cfg(name: &str, version: &str) -> ModuleConfig {
    ModuleConfig::new().with_name(name).with_version(version)
}
