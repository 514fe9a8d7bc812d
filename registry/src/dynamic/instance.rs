//! The instances `create` builds: dependencies first, cleaned up in reverse.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::dynamic::config::{Entry, ModuleInfo, Origin};
use crate::dynamic::error::RegistryError;
use crate::dynamic::module::{Built, Counters, Dependencies, DynModule, Hosted, Linked, Monitored};
use crate::dynamic::state::Plan;
use crate::dynamic::CustomInstantiationStrategy;
use crate::error::ModuleError;
use crate::registry::Registry;
use crate::runtime::{guarded, Runtime, Stage};

/// What `create_with` does besides building the instance. Every switch is on by default, which
/// is what `create` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstantiationConfig {
    pub(crate) initialization: bool,
    pub(crate) validation: bool,
    pub(crate) monitoring: bool,
}

impl InstantiationConfig {
    /// Every switch on.
    pub fn new() -> Self {
        InstantiationConfig {
            initialization: true,
            validation: true,
            monitoring: true,
        }
    }

    /// Run `initialize` after building each module, and `cleanup` at shutdown. Off: neither
    /// hook runs.
    pub fn with_initialization(mut self, on: bool) -> Self {
        self.initialization = on;
        self
    }

    /// Check each built instance against its registration: same name, kind and version, and
    /// every registered capability among `capabilities()`. A mismatch fails `create`.
    pub fn with_validation(mut self, on: bool) -> Self {
        self.validation = on;
        self
    }

    /// Open a `tracing` span per module and record metrics: create and initialize times, and
    /// the calls, errors and time of `process` ([`ModuleInstance::metrics`](crate::ModuleInstance::metrics)).
    pub fn with_monitoring(mut self, on: bool) -> Self {
        self.monitoring = on;
        self
    }
}

impl Default for InstantiationConfig {
    fn default() -> Self {
        InstantiationConfig::new()
    }
}

/// Timings and counts of one dynamic module of an instance (monitoring on).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceMetrics {
    /// The module.
    pub name: String,
    /// Time spent in the factory or strategy.
    pub create_time: Duration,
    /// Time spent in `initialize`.
    pub init_time: Duration,
    /// Calls of `process`, from the instance or from dependents.
    pub calls: u64,
    /// Calls of `process` that returned an error.
    pub errors: u64,
    /// Time spent in `process`.
    pub process_time: Duration,
}

/// A module built by `create`, with everything it depends on. `process` goes to the module;
/// dropping the instance (or [`ModuleInstance::shutdown`]) cleans up in reverse creation order.
pub struct ModuleInstance {
    name: String,
    root: usize,
    /// Creation order: linked modules first (boot order), then dynamic ones.
    built: Vec<Built>,
    runtime: Option<Arc<Runtime>>,
    down: bool,
}

impl ModuleInstance {
    /// The module `create` was asked for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the module's `process`.
    pub fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        self.module().process(data)
    }

    /// The module `create` was asked for.
    pub fn module(&self) -> &dyn DynModule {
        &*self.built[self.root].module.0
    }

    /// A module of this instance (the root or one of its dependencies), by name.
    pub fn get(&self, name: &str) -> Option<&dyn DynModule> {
        self.built
            .iter()
            .find(|b| *b.name == *name)
            .map(|b| &*b.module.0)
    }

    /// The names of every module of this instance, in creation order.
    pub fn modules(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.built.iter().map(|b| &*b.name)
    }

    /// The static runtime that booted the linked modules of this instance, if any: its
    /// metrics and audit trail.
    pub fn runtime(&self) -> Option<&Runtime> {
        self.runtime.as_deref()
    }

    /// A snapshot of the dynamic modules' metrics, in creation order; empty with monitoring off.
    pub fn metrics(&self) -> Vec<InstanceMetrics> {
        self.built
            .iter()
            .filter_map(|b| {
                let c = b.counters.as_ref()?;
                Some(InstanceMetrics {
                    name: b.name.to_string(),
                    create_time: b.create_time,
                    init_time: b.init_time,
                    calls: c.calls.load(Ordering::Relaxed),
                    errors: c.errors.load(Ordering::Relaxed),
                    process_time: Duration::from_nanos(c.nanos.load(Ordering::Relaxed)),
                })
            })
            .collect()
    }

    /// Cleans up and drops every module in reverse creation order, continuing past failures,
    /// and reports them all. A module whose `Arc` a factory kept elsewhere is not cleaned up
    /// (reported); one that only `Weak`s point to is, and they no longer upgrade after.
    pub fn shutdown(mut self) -> Result<(), RegistryError> {
        let failures = self.teardown();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(RegistryError::Cleanup {
                module: self.name.clone(),
                failures,
            })
        }
    }

    fn teardown(&mut self) -> Vec<(String, ModuleError)> {
        let mut failures = Vec::new();
        while let Some(b) = self.built.pop() {
            let Built {
                name,
                module,
                initialized,
                ..
            } = b;
            let _span = tracing::info_span!("module", name = %name).entered();
            // Succeeds while `Weak`s remain: they can no longer upgrade, so a dependent holding
            // one does not keep the module from its cleanup.
            let mut module = Arc::try_unwrap(module);
            if initialized {
                let result = match &mut module {
                    Ok(module) => guarded(|| module.cleanup()),
                    Err(shared) => Err(ModuleError::new(format!(
                        "cannot run cleanup: {} other strong reference(s) to the instance are \
                         still alive",
                        Arc::strong_count(shared) - 1
                    ))),
                };
                if let Err(e) = result {
                    tracing::error!(error = %e, "cleanup failed");
                    failures.push((name.clone(), e));
                }
            }
            if let Err(e) = guarded(|| {
                drop(module);
                Ok(())
            }) {
                failures.push((name, e));
            }
        }
        if let Some(runtime) = self.runtime.take() {
            // The linked adapters are gone, so this is the last reference unless a module
            // leaked one; then the runtime shuts down when that one drops (its `Drop`).
            match Arc::try_unwrap(runtime) {
                Ok(runtime) => {
                    if let Err(e) = runtime.shutdown() {
                        failures.extend(e.failures.into_iter().map(|(m, e)| (m.to_owned(), e)));
                    }
                }
                // Reported like a leaked dynamic module: the cleanup did not run now.
                Err(runtime) => {
                    let others = Arc::strong_count(&runtime) - 1;
                    for d in runtime.modules() {
                        failures.push((
                            d.name().to_owned(),
                            ModuleError::new(format!(
                                "cannot run cleanup: {others} other reference(s) to the linked \
                                 modules are still alive; they are cleaned up when the last is \
                                 dropped"
                            )),
                        ));
                    }
                }
            }
        }
        self.down = true;
        failures
    }

    /// Builds `plan`: the linked modules through the static runtime, then each dynamic module.
    pub(crate) fn build(
        linked: &Registry,
        plan: Plan,
        strategies: &[Box<dyn CustomInstantiationStrategy>],
        config: &InstantiationConfig,
    ) -> Result<ModuleInstance, RegistryError> {
        let root_name = plan.root.name.to_string();
        let mut makers = Vec::with_capacity(plan.dynamic.len());
        for e in &plan.dynamic {
            makers.push(match &e.origin {
                Origin::Registered(Some(factory)) => Maker::Factory(factory.clone()),
                _ => {
                    let info = ModuleInfo(e.clone());
                    // `handles` is user code too: a panic is this module's failure to be made.
                    match guarded(|| Ok(strategies.iter().find(|s| s.handles(&info)))) {
                        Ok(Some(s)) => Maker::Strategy(&**s),
                        Ok(None) => {
                            return Err(RegistryError::NoFactory {
                                module: e.name.to_string(),
                                root: root_name,
                            })
                        }
                        Err(error) => {
                            return Err(RegistryError::Failed {
                                module: e.name.to_string(),
                                stage: Stage::Create,
                                path: path_to(&plan, &e.name),
                                error,
                                cleanup: Vec::new(),
                            })
                        }
                    }
                }
            });
        }
        let mut instance = ModuleInstance {
            name: root_name,
            root: 0,
            built: Vec::with_capacity(plan.dynamic.len() + plan.linked.len()),
            runtime: None,
            down: false,
        };
        if !plan.linked.is_empty() {
            let runtime = match linked.subset(plan.linked.iter()).boot() {
                Ok(runtime) => Arc::new(runtime),
                Err(error) => {
                    return Err(RegistryError::Boot {
                        module: instance.name.clone(),
                        error: Box::new(error),
                    })
                }
            };
            for d in runtime.modules() {
                instance.built.push(Built {
                    name: d.name().into(),
                    module: Arc::new(Hosted(Box::new(Linked {
                        descriptor: d,
                        version: d.version().to_string(),
                        runtime: runtime.clone(),
                    }))),
                    initialized: false,
                    counters: None,
                    create_time: Duration::ZERO,
                    init_time: Duration::ZERO,
                });
            }
            instance.runtime = Some(runtime);
        }
        for (e, maker) in plan.dynamic.iter().zip(makers) {
            let _span = config
                .monitoring
                .then(|| tracing::info_span!("module", name = &*e.name).entered());
            let t = Instant::now();
            let made = guarded(|| match &maker {
                Maker::Factory(factory) => factory(&Dependencies {
                    module: &e.name,
                    declared: &e.deps,
                    built: &instance.built,
                }),
                Maker::Strategy(s) => s
                    .instantiate(&ModuleInfo(e.clone()))
                    .map_err(|err| ModuleError::with_source(err.to_string(), err)),
            });
            let create_time = t.elapsed();
            let made = match made {
                // The module's metadata methods are user code: a panic there is a failure to
                // create it, and the module is dropped like one that failed to initialize.
                Ok(m) if config.validation => match guarded(|| matches_registration(e, &*m)) {
                    Ok(()) => Ok(m),
                    Err(error) => {
                        let _ = guarded(|| {
                            drop(m);
                            Ok(())
                        });
                        Err(error)
                    }
                },
                other => other,
            };
            let mut module = match made {
                Ok(module) => module,
                Err(error) => return Err(instance.fail(&plan, e, Stage::Create, error)),
            };
            let counters = config.monitoring.then(Arc::<Counters>::default);
            if let Some(c) = &counters {
                module = Box::new(Monitored {
                    inner: module,
                    counters: c.clone(),
                });
            }
            let t = Instant::now();
            if config.initialization {
                if let Err(error) = guarded(|| module.initialize()) {
                    // Not initialized, so not cleaned up: only dropped.
                    let _ = guarded(|| {
                        drop(module);
                        Ok(())
                    });
                    return Err(instance.fail(&plan, e, Stage::Initialize, error));
                }
            }
            instance.built.push(Built {
                name: e.name.clone(),
                module: Arc::new(Hosted(module)),
                initialized: config.initialization,
                counters,
                create_time,
                init_time: t.elapsed(),
            });
        }
        match instance
            .built
            .iter()
            .position(|b| *b.name == *instance.name)
        {
            Some(root) => instance.root = root,
            // The plan always holds its root; reaching this means the static boot left it out.
            None => {
                return Err(RegistryError::NotFound {
                    name: instance.name.clone(),
                })
            }
        }
        Ok(instance)
    }

    /// Cleans up what was built and describes the failure of `e`.
    fn fail(&mut self, plan: &Plan, e: &Entry, stage: Stage, error: ModuleError) -> RegistryError {
        tracing::error!(module = &*e.name, %stage, %error, "module failed");
        let cleanup = self.teardown();
        RegistryError::Failed {
            module: e.name.to_string(),
            stage,
            path: path_to(plan, &e.name),
            error,
            cleanup,
        }
    }
}

impl Drop for ModuleInstance {
    fn drop(&mut self) {
        if !self.down {
            for (module, error) in self.teardown() {
                tracing::error!(module, %error, "cleanup failed during drop");
            }
        }
    }
}

impl fmt::Debug for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleInstance")
            .field("name", &self.name)
            .field("modules", &self.modules().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

enum Maker<'a> {
    Factory(crate::dynamic::config::Factory),
    Strategy(&'a dyn CustomInstantiationStrategy),
}

/// With validation on: the instance describes itself as it was registered.
fn matches_registration(e: &Entry, m: &dyn DynModule) -> Result<(), ModuleError> {
    let mut problems = Vec::new();
    if m.name() != &*e.name {
        problems.push(format!("its name is \"{}\"", m.name()));
    }
    if semver::Version::parse(m.version()).ok().as_ref() != Some(&e.version) {
        problems.push(format!(
            "its version is \"{}\", registered {}",
            m.version(),
            e.version
        ));
    }
    let kind = m.module_type();
    if kind != e.kind {
        problems.push(format!("its type is {kind}, registered {}", e.kind));
    }
    let offered = m.capabilities();
    for cap in e.capabilities.iter() {
        if !offered.contains(&&**cap) {
            problems.push(format!("it lacks the registered capability \"{cap}\""));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ModuleError::new(format!(
            "the instance does not match its registration: {}",
            problems.join("; ")
        )))
    }
}

/// The dependency path from the plan's root down to `target`, through dynamic modules.
fn path_to(plan: &Plan, target: &str) -> Vec<String> {
    let mut parents: Vec<(&str, &str)> = Vec::new();
    let mut queue = std::collections::VecDeque::from([&*plan.root.name]);
    let mut seen = vec![&*plan.root.name];
    while let Some(name) = queue.pop_front() {
        if name == target {
            break;
        }
        let Some(e) = plan.dynamic.iter().find(|e| *e.name == *name) else {
            continue;
        };
        for d in e.deps.iter() {
            if !seen.contains(&d.name.as_str()) {
                seen.push(&d.name);
                parents.push((&d.name, name));
                queue.push_back(&d.name);
            }
        }
    }
    let mut path = vec![target.to_owned()];
    let mut current = target;
    while let Some(&(_, parent)) = parents.iter().find(|(child, _)| *child == current) {
        path.push(parent.to_owned());
        current = parent;
    }
    path.reverse();
    path
}
