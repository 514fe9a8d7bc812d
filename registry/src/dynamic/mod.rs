//! The dynamic registry: the FAQ's API for plugin hosts that learn about modules at run time.
//!
//! For plugin hosts that learn about modules at run time, [`ModuleRegistry`] has the API of the
//! original FAQ and runs the same checks. It starts with every linked module;
//! [`ModuleRegistry::register`] (`&self`, safe from many threads) adds a [`ModuleConfig`] or
//! refuses it with the static checks' findings (same codes, same text) and changes nothing.
//!
//! ```
//! use module_registry::{DynModule, ModuleConfig, ModuleError, ModuleRegistry, ModuleType};
//!
//! struct Upper;
//! impl DynModule for Upper {
//!     fn name(&self) -> &str { "upper" }
//!     fn version(&self) -> &str { "1.0.0" }
//!     fn module_type(&self) -> ModuleType { ModuleType::DataProcessor }
//!     fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
//!         Ok(data.to_ascii_uppercase())
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = ModuleRegistry::new();
//! registry.register(
//!     ModuleConfig::new()
//!         .with_name("upper")
//!         .with_version("1.0.0")
//!         .with_type(ModuleType::DataProcessor)
//!         .with_factory(|_| Ok(Box::new(Upper))),
//! )?;
//! let refused = registry.register(ModuleConfig::new().with_name("upper").with_version("2.0.0"));
//! assert_eq!(refused.unwrap_err().validation_errors().unwrap().errors()[0].code(), "MR0004");
//!
//! let instance = registry.create("upper")?;
//! assert_eq!(instance.process(b"abc")?, b"ABC");
//! # Ok(())
//! # }
//! ```
//!
//! - Names resolve at registration: a required dependency must already be registered
//!   (`MR0002` otherwise), so register dependencies first. An optional dependency
//!   ([`DependencyConfig::optional`]) may name a later module; that module is then refused if
//!   it would close a cycle (`MR0001`) or miss the requirement (`MR0003`). Nothing is removed,
//!   so each registration checks only its neighbourhood, not the whole graph.
//! - [`ModuleRegistry::discover`]: name pattern (a substring, or a whole-name match with `*`)
//!   and kind, sorted by name. [`ModuleRegistry::discover_capabilities`]: every required
//!   capability, ranked by optional matches, then by name.
//! - [`ModuleRegistry::create`] builds a module and its dependencies, dependencies first, and
//!   cleans up in reverse order on failure or at shutdown. Hand-written modules implement
//!   [`DynModule`] (the FAQ's `Module` trait, object-safe) and are built by the factory given
//!   to [`ModuleConfig::with_factory`] or by a [`CustomInstantiationStrategy`]; linked modules
//!   boot through the static runtime, and `process` goes to their `dyn Processor`.
//!   [`CustomDiscoveryStrategy`] adds modules found elsewhere to `discover`.
//! - Costs, measured beside their peers in BENCHMARKS.md: a registration takes ~0.2 µs (10,000
//!   in ~1.8 ms, ~1.3× a std `HashMap` given the same configs, with every check run) and holds
//!   the write lock for part of that; `discover` reads every name (~0.1 ms at 10,000);
//!   `discover_capabilities` starts from the shortest provider list of its required
//!   capabilities; 1,000 modules take ~0.4 MB.
//! - The cosmetic changes the FAQ's snippets need: `impl Module for CustomModule` becomes
//!   `impl DynModule for CustomModule`, and `Box<dyn Module>` in the instantiation strategy
//!   `Box<dyn DynModule>`; `fn capabilities(&self) -> &[String]` becomes `-> &[&str]` (the
//!   FAQ's body, `&["custom-processing"]`, is a `&[&str]`);
//!   `ModuleType::Custom("custom".to_string())` becomes `ModuleType::Custom("custom".into())`
//!   or `ModuleType::custom("custom")` (a derived module's kind is a constant, so the text is a
//!   `Cow<'static, str>`); the snippets' `use` lines also need the names they leave out
//!   (`DiscoveryQuery`, `ModuleInfo`, `RegistryError`). `?` on `process` converts its
//!   [`ModuleError`](crate::ModuleError) into [`RegistryError::Process`].
//!
//! The FAQ's configuration objects are built only where something real stands behind them:
//!
//! | FAQ feature | mechanism |
//! |---|---|
//! | logging, monitoring (`with_monitoring`) | `tracing` spans per module; [`ModuleMetrics`](crate::runtime::ModuleMetrics) from the runtime, [`InstanceMetrics`] per instance (create and init time, `process` calls, errors, time) |
//! | validation (`with_validation`) | the graph checks at registration; each built instance checked against its registration |
//! | initialization (`with_initialization`) | [`DynModule::initialize`] after building, [`DynModule::cleanup`] at shutdown |
//! | security, access control | compile-time access control (`ctx.dep::<T>()` only for declared dependencies; a factory reaches only declared ones) and the runtime's audit trail ([`Runtime::audit_trail`](crate::Runtime::audit_trail)); registrations and refusals are `tracing` events |
//! | graceful degradation, error recovery | [`BootPolicy::Degrade`](crate::BootPolicy::Degrade): a failed module and its dependents are skipped and reported |
//!
//! `Configuration`, `PerformanceConfiguration`, `SecurityConfiguration` and the other flag
//! objects of the FAQ are not built: their switches have no behaviour behind them.
//!
//!
//! # Semantics
//!
//! - Names resolve when a module registers. A required dependency must already be registered
//!   (linked modules count); otherwise the registration is refused with `MR0002`, as the static
//!   check reports a missing dependency. Register dependencies first.
//! - An optional dependency may name a module that is not registered yet. When that module
//!   registers, the edge resolves; the registration is refused if it would close a cycle
//!   (`MR0001`) or fail the edge's version requirement (`MR0003`). With required edges only, a
//!   cycle can only be a module depending on itself.
//! - Nothing is ever removed, so a graph that passed its checks keeps passing them. That is what
//!   lets `register` check the new module's neighbourhood only (`graph::check_addition`)
//!   instead of the whole graph.
//! - Linked modules keep their typed edges: a linked module never depends on a dynamic one.

mod config;
mod error;
mod instance;
mod module;
mod query;
mod state;

use std::borrow::Borrow;
use std::fmt;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use self::config::{DependencyConfig, ModuleConfig, ModuleInfo};
pub use self::error::RegistryError;
pub use self::instance::{InstanceMetrics, InstantiationConfig, ModuleInstance};
pub use self::module::{Dependencies, DynModule};
pub use self::query::{CapabilityQuery, DiscoveryQuery};

use self::config::Entry;
use self::state::State;
use crate::error::ValidationErrors;
use crate::registry::Registry;
use module_registry_core::graph;

/// Finds modules outside the registry (a plugin directory, a configuration file, a service):
/// [`ModuleRegistry::discover`] adds what each strategy returns to its own matches.
pub trait CustomDiscoveryStrategy: Send + Sync {
    /// The modules this strategy knows of that match `query`; build them with
    /// [`ModuleInfo::from_config`]. A name the registry already has is left out of the answer.
    fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError>;
}

/// Builds the instances of registered modules that have no factory.
///
/// `create` asks the strategies in the order they were added and uses the first whose
/// [`handles`](CustomInstantiationStrategy::handles) says yes.
pub trait CustomInstantiationStrategy: Send + Sync {
    /// Builds the instance of `module_info`.
    fn instantiate(&self, module_info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError>;

    /// Whether this strategy builds `module_info`; every module by default.
    fn handles(&self, module_info: &ModuleInfo) -> bool {
        let _ = module_info;
        true
    }
}

/// A registry that also accepts modules at run time, with the checks of the static one.
///
/// `Send + Sync`; every method takes `&self`. Reads run in parallel; each registration is
/// checked and applied atomically, under a write lock.
///
/// ```
/// use module_registry::{CapabilityQuery, DiscoveryQuery, ModuleConfig, ModuleRegistry, ModuleType};
/// # fn main() -> Result<(), module_registry::RegistryError> {
/// let registry = ModuleRegistry::new();
/// registry.register(
///     ModuleConfig::new()
///         .with_name("data-processor")
///         .with_version("1.0.0")
///         .with_type(ModuleType::DataProcessor)
///         .add_capability("processing"),
/// )?;
/// let found = registry.discover(DiscoveryQuery::new().with_name_pattern("processor"))?;
/// assert_eq!(found[0].name(), "data-processor");
/// let found = registry.discover_capabilities(
///     CapabilityQuery::new().with_required_capabilities(vec!["processing"]),
/// )?;
/// assert_eq!(found.len(), 1);
/// # Ok(())
/// # }
/// ```
pub struct ModuleRegistry {
    linked: Registry,
    state: RwLock<State>,
    discovery: Vec<Box<dyn CustomDiscoveryStrategy>>,
    instantiation: Vec<Box<dyn CustomInstantiationStrategy>>,
}

impl ModuleRegistry {
    /// A registry holding every statically linked module ([`Registry::global`]).
    pub fn new() -> Self {
        ModuleRegistry::from_registry(Registry::global())
    }

    /// A registry holding no module.
    pub fn empty() -> Self {
        ModuleRegistry::from_registry(&Registry::from_descriptors([]))
    }

    /// A registry holding the modules of `registry` (e.g. a [`Registry::subset`]). They are
    /// taken as they are: [`ModuleRegistry::validate`] reports problems they already have.
    pub fn from_registry(registry: &Registry) -> Self {
        ModuleRegistry {
            linked: Registry::from_descriptors(registry.modules()),
            state: RwLock::new(State::linked(registry)),
            discovery: Vec::new(),
            instantiation: Vec::new(),
        }
    }

    /// Adds a discovery strategy, asked by every [`ModuleRegistry::discover`].
    pub fn add_custom_discovery_strategy(
        mut self,
        strategy: Box<dyn CustomDiscoveryStrategy>,
    ) -> Self {
        self.discovery.push(strategy);
        self
    }

    /// Adds an instantiation strategy, for modules registered without a factory.
    pub fn add_custom_instantiation_strategy(
        mut self,
        strategy: Box<dyn CustomInstantiationStrategy>,
    ) -> Self {
        self.instantiation.push(strategy);
        self
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // The lock is never held while user code runs, so poisoning cannot leave the state
        // half-changed: a registration changes it only after every check passed.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a module, or refuses it and leaves the registry as it was.
    ///
    /// Refused, with the findings of the static checks (same codes and text): a bad name
    /// (`MR0008`) or version string (`MR0007`), a duplicate name (`MR0004`), a required
    /// dependency that is not registered (`MR0002`), an unsatisfied version requirement
    /// (`MR0003`), a required capability nobody provides (`MR0005`), a cycle (`MR0001`).
    pub fn register(&self, config: ModuleConfig) -> Result<ModuleInfo, RegistryError> {
        let parsed = Entry::parse(config, true)?;
        let result = self.write().register(&parsed);
        let entry = parsed.entry;
        match result {
            Ok(()) => {
                tracing::debug!(module = &*entry.name, version = %entry.version, "registered");
                Ok(ModuleInfo(entry))
            }
            Err(errors) => {
                let errors = ValidationErrors::new(errors);
                tracing::warn!(module = %entry.name, %errors, "registration refused");
                Err(RegistryError::Refused {
                    module: entry.name.clone(),
                    errors,
                })
            }
        }
    }

    /// The module named `name`.
    pub fn get(&self, name: &str) -> Option<ModuleInfo> {
        self.read().lookup(name).cloned().map(ModuleInfo)
    }

    /// Whether a module named `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.read().lookup(name).is_some()
    }

    /// How many modules, linked and registered.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every module, linked ones first, then in registration order.
    pub fn modules(&self) -> Vec<ModuleInfo> {
        self.read()
            .entries()
            .iter()
            .cloned()
            .map(ModuleInfo)
            .collect()
    }

    /// The modules matching `query`, sorted by name, followed into that order by what the
    /// discovery strategies find. Takes the query or a reference to it.
    pub fn discover(
        &self,
        query: impl Borrow<DiscoveryQuery>,
    ) -> Result<Vec<ModuleInfo>, RegistryError> {
        let query = query.borrow();
        // The strategies run first and without the lock (one may register what it finds);
        // then one read of the registry gives its own matches and decides which names it has.
        let mut described = Vec::new();
        for strategy in &self.discovery {
            described.extend(strategy.discover(query)?);
        }
        let state = self.read();
        let mut found: Vec<ModuleInfo> =
            state.discover(query).into_iter().map(ModuleInfo).collect();
        if !described.is_empty() {
            let own = found.len();
            for info in described {
                if state.lookup(info.name()).is_none()
                    && !found[own..].iter().any(|f| f.name() == info.name())
                {
                    found.push(info);
                }
            }
            found.sort_by(|a, b| a.name().cmp(b.name()));
        }
        Ok(found)
    }

    /// The modules providing every required capability of `query`, ranked by how many of its
    /// optional capabilities they provide (most first), then by name. Takes the query or a
    /// reference to it.
    pub fn discover_capabilities(
        &self,
        query: impl Borrow<CapabilityQuery>,
    ) -> Result<Vec<ModuleInfo>, RegistryError> {
        Ok(self
            .read()
            .discover_capabilities(query.borrow())
            .into_iter()
            .map(ModuleInfo)
            .collect())
    }

    /// Builds module `name` and its dependencies, dependencies first, with every
    /// [`InstantiationConfig`] switch on.
    ///
    /// Linked modules boot through the static runtime ([`Registry::subset`], then
    /// [`Registry::boot`]); the instance's `process` then goes to the module's
    /// `dyn Processor`. Dynamic modules are built by their factory or an instantiation strategy,
    /// then initialized. A failure cleans up what was built, in reverse order.
    pub fn create(&self, name: &str) -> Result<ModuleInstance, RegistryError> {
        self.create_with(name, &InstantiationConfig::new())
    }

    /// [`ModuleRegistry::create`] with the given switches.
    pub fn create_with(
        &self,
        name: &str,
        config: &InstantiationConfig,
    ) -> Result<ModuleInstance, RegistryError> {
        let plan = self.read().plan(name);
        let plan = plan.ok_or_else(|| RegistryError::NotFound {
            name: name.to_owned(),
        })?;
        ModuleInstance::build(&self.linked, plan, &self.instantiation, config)
    }

    /// Runs every whole-graph check over all modules, as [`Registry::validate`] does. Only the
    /// linked modules can fail it: registration keeps the rest valid.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let state = self.read();
        let errors = graph::check(&state.nodes(), &[]);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors::new(errors))
        }
    }
}

impl Default for ModuleRegistry {
    fn default() -> Self {
        ModuleRegistry::new()
    }
}

impl fmt::Debug for ModuleRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.read();
        f.debug_struct("ModuleRegistry")
            .field(
                "modules",
                &state.entries().iter().map(|e| &*e.name).collect::<Vec<_>>(),
            )
            .field("discovery_strategies", &self.discovery.len())
            .field("instantiation_strategies", &self.instantiation.len())
            .finish()
    }
}
