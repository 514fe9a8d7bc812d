//! What a registration says (`ModuleConfig`), what the registry keeps (`ModuleInfo`), and the
//! queries over it.

use std::fmt;
use std::sync::Arc;

use crate::descriptor::{ModuleDescriptor, ModuleType};
use crate::dynamic::error::RegistryError;
use crate::dynamic::module::{Dependencies, DynModule};
use crate::error::{ModuleError, ValidationError, ValidationErrors};
use crate::table;
use module_registry_core::location::Location;
use module_registry_core::name::is_valid_name;
use module_registry_core::req::VersionReq;

/// Builds the instance of a registered module; see [`ModuleConfig::with_factory`].
pub(crate) type Factory = Arc<
    dyn Fn(&Dependencies<'_>) -> Result<Box<dyn DynModule>, ModuleError> + Send + Sync + 'static,
>;

/// A module to register at run time: the FAQ's builder.
///
/// ```
/// use module_registry::{ModuleConfig, ModuleType};
/// let config = ModuleConfig::new()
///     .with_name("data-processor")
///     .with_version("1.0.0")
///     .with_type(ModuleType::DataProcessor)
///     .add_capability("processing")
///     .add_dependency("base-module");
/// assert_eq!(config.name(), "data-processor");
/// ```
#[derive(Clone)]
pub struct ModuleConfig {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) kind: ModuleType,
    pub(crate) capabilities: Vec<String>,
    pub(crate) requires: Vec<String>,
    pub(crate) dependencies: Vec<DependencyConfig>,
    pub(crate) factory: Option<Factory>,
}

impl ModuleConfig {
    /// An empty configuration: kind `Service`, no name and no version (both must be set).
    pub fn new() -> Self {
        ModuleConfig {
            name: String::new(),
            version: String::new(),
            kind: ModuleType::Service,
            capabilities: Vec::new(),
            requires: Vec::new(),
            dependencies: Vec::new(),
            factory: None,
        }
    }

    /// The module name: lowercase `[a-z0-9]` words joined by `-`, 1 to 64 characters.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The semver version, e.g. `"1.0.0"`. A bad string is refused by `register` (`MR0007`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// What kind of module this is.
    pub fn with_type(mut self, kind: ModuleType) -> Self {
        self.kind = kind;
        self
    }

    /// A capability this module provides (listed once, however often it is added). Capabilities
    /// follow the rule of names: lowercase `[a-z0-9]` words joined by `-` (`MR0008` otherwise).
    pub fn add_capability(mut self, capability: impl Into<String>) -> Self {
        self.capabilities.push(capability.into());
        self
    }

    /// A capability some registered module must provide (`MR0005` otherwise); the rule of names
    /// applies (`MR0008`).
    pub fn add_required_capability(mut self, capability: impl Into<String>) -> Self {
        self.requires.push(capability.into());
        self
    }

    /// A dependency: a name (`"base-module"`), or a [`DependencyConfig`] with a version
    /// requirement or marked optional.
    pub fn add_dependency(mut self, dependency: impl Into<DependencyConfig>) -> Self {
        self.dependencies.push(dependency.into());
        self
    }

    /// How `create` builds the instance. The factory receives the module's declared
    /// dependencies, already created and initialized. A module without a factory is built by
    /// the first [`CustomInstantiationStrategy`](crate::CustomInstantiationStrategy) that
    /// handles it.
    pub fn with_factory<F>(mut self, factory: F) -> Self
    where
        F: Fn(&Dependencies<'_>) -> Result<Box<dyn DynModule>, ModuleError> + Send + Sync + 'static,
    {
        self.factory = Some(Arc::new(factory));
        self
    }

    /// The name set so far.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version string set so far.
    pub fn version(&self) -> &str {
        &self.version
    }
}

impl Default for ModuleConfig {
    fn default() -> Self {
        ModuleConfig::new()
    }
}

impl fmt::Debug for ModuleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleConfig")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("kind", &self.kind)
            .field("capabilities", &self.capabilities)
            .field("requires", &self.requires)
            .field("dependencies", &self.dependencies)
            .field("factory", &self.factory.is_some())
            .finish()
    }
}

/// One dependency of a [`ModuleConfig`]. `"name"` converts into a required dependency with no
/// version requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyConfig {
    pub(crate) name: String,
    pub(crate) req: Option<Requirement>,
    pub(crate) optional: bool,
}

/// A dependency's version requirement: its text as given, then parsed once when the module
/// registers (or, for a linked module, the derive's).
#[derive(Clone, Debug)]
pub(crate) enum Requirement {
    /// As given to [`DependencyConfig::with_version_req`]; parsed by registration.
    Text(String),
    /// Parsed with `semver` at registration.
    Parsed(String, semver::VersionReq),
    /// A linked module's, as the derive wrote it.
    Linked(VersionReq<'static>),
}

impl Requirement {
    fn text(&self) -> &str {
        match self {
            Requirement::Text(text) | Requirement::Parsed(text, _) => text,
            Requirement::Linked(req) => req.text(),
        }
    }

    /// The parsed requirement; `None` before registration parsed it.
    pub(crate) fn parsed(&self) -> Option<VersionReq<'_>> {
        match self {
            Requirement::Text(_) => None,
            Requirement::Parsed(text, req) => Some(VersionReq::from_semver(text, req)),
            Requirement::Linked(req) => Some(*req),
        }
    }
}

/// Requirements are equal when they are written the same way.
impl PartialEq for Requirement {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Requirement {}

impl DependencyConfig {
    /// A required dependency on `name`.
    pub fn new(name: impl Into<String>) -> Self {
        DependencyConfig {
            name: name.into(),
            req: None,
            optional: false,
        }
    }

    /// A semver requirement the dependency's version must satisfy, e.g. `"^1.2"` (`MR0003`).
    pub fn with_version_req(mut self, req: impl Into<String>) -> Self {
        self.req = Some(Requirement::Text(req.into()));
        self
    }

    /// Makes the dependency optional: it may be registered later, or never. Once registered it
    /// is created first, and its registration is refused if it would close a cycle or fails
    /// the requirement.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The module depended on.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version requirement, if any.
    pub fn version_req(&self) -> Option<&str> {
        self.req.as_ref().map(Requirement::text)
    }

    /// The parsed requirement, once registration parsed it.
    pub(crate) fn parsed_req(&self) -> Option<VersionReq<'_>> {
        self.req.as_ref().and_then(Requirement::parsed)
    }

    /// Whether absence is allowed.
    pub fn is_optional(&self) -> bool {
        self.optional
    }
}

impl From<&str> for DependencyConfig {
    fn from(name: &str) -> Self {
        DependencyConfig::new(name)
    }
}

impl From<String> for DependencyConfig {
    fn from(name: String) -> Self {
        DependencyConfig::new(name)
    }
}

/// Where a registered module comes from.
pub(crate) enum Origin {
    /// Statically linked: booted through the static runtime.
    Linked(&'static ModuleDescriptor),
    /// Registered at run time, with its factory if it has one.
    Registered(Option<Factory>),
    /// Built by [`ModuleInfo::from_config`], e.g. by a discovery strategy; not registered.
    Described,
}

/// What the registry keeps of one module.
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    pub(crate) kind: ModuleType,
    pub(crate) capabilities: Vec<String>,
    pub(crate) requires: Vec<String>,
    pub(crate) deps: Vec<DependencyConfig>,
    pub(crate) origin: Origin,
}

impl Entry {
    pub(crate) fn has_capability(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| **c == *cap)
    }

    /// Where the module was declared, as the graph checks report it.
    pub(crate) fn site(&self) -> Location {
        match self.origin {
            Origin::Linked(d) => *d.location(),
            _ => Location::runtime(),
        }
    }

    /// Where dependency `i` was written.
    pub(crate) fn dep_site(&self, i: usize) -> Location {
        match self.origin {
            Origin::Linked(d) => match d.dependencies().get(i) {
                Some(dep) => *dep.location(),
                None => Location::runtime(),
            },
            _ => Location::runtime(),
        }
    }

    pub(crate) fn linked(d: &'static ModuleDescriptor) -> Entry {
        Entry {
            name: d.name().into(),
            version: d.version().to_semver(),
            kind: d.kind().clone(),
            capabilities: d.capabilities().iter().map(|c| (*c).to_owned()).collect(),
            requires: d.requires().iter().map(|c| (*c).to_owned()).collect(),
            deps: d
                .dependencies()
                .iter()
                .map(|dep| DependencyConfig {
                    name: dep.name().to_owned(),
                    req: dep.requirement().map(Requirement::Linked),
                    optional: dep.is_optional(),
                })
                .collect(),
            origin: Origin::Linked(d),
        }
    }

    /// Checks the strings of `config` (name, version, requirements) and builds the entry.
    /// Runs outside the registry's lock: everything that needs no registry state is done here.
    pub(crate) fn parse(config: ModuleConfig, registered: bool) -> Result<Parsed, RegistryError> {
        let mut errors = Vec::new();
        if !is_valid_name(&config.name) {
            errors.push(ValidationError::InvalidName {
                name: config.name.clone(),
            });
        }
        // Capabilities and dependency names follow the rule of names, as the derive enforces:
        // a capability "Encryption" or a dependency "Base_Module" could never match anything.
        for cap in config.capabilities.iter().chain(&config.requires) {
            if !is_valid_name(cap) {
                errors.push(ValidationError::InvalidCapability {
                    module: config.name.clone(),
                    capability: cap.clone(),
                });
            }
        }
        for dep in &config.dependencies {
            if !is_valid_name(&dep.name) {
                errors.push(ValidationError::InvalidName {
                    name: dep.name.clone(),
                });
            }
        }
        let version = match semver::Version::parse(&config.version) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(ValidationError::InvalidVersion {
                    module: config.name.clone(),
                    what: "version",
                    text: config.version.clone(),
                    reason: e.to_string(),
                });
                None
            }
        };
        // Each requirement is parsed once, here; the checks match the parsed comparators.
        let mut dependencies = config.dependencies;
        for dep in &mut dependencies {
            let Some(Requirement::Text(text)) = dep.req.take() else {
                continue;
            };
            match semver::VersionReq::parse(&text) {
                Ok(req) => dep.req = Some(Requirement::Parsed(text, req)),
                Err(e) => {
                    errors.push(ValidationError::InvalidVersion {
                        module: config.name.clone(),
                        what: "version requirement",
                        reason: e.to_string(),
                        text: text.clone(),
                    });
                    dep.req = Some(Requirement::Text(text));
                }
            }
        }
        let version = match version {
            Some(v) if errors.is_empty() => v,
            _ => {
                return Err(RegistryError::Refused {
                    module: config.name,
                    errors: ValidationErrors::new(errors),
                })
            }
        };
        // Moved, not copied: registration cost is dominated by allocations.
        let mut capabilities = config.capabilities;
        let mut cap_hashes = CapHashes([0; CapHashes::N]);
        let mut i = 0;
        while i < capabilities.len() {
            let h = table::hash(&capabilities[i]);
            let seen = &cap_hashes.0[..i.min(CapHashes::N)];
            let duplicate = (0..i).any(|j| {
                seen.get(j).is_none_or(|&hj| hj == h) && capabilities[j] == capabilities[i]
            });
            if duplicate {
                capabilities.remove(i);
            } else {
                if let Some(slot) = cap_hashes.0.get_mut(i) {
                    *slot = h;
                }
                i += 1;
            }
        }
        let origin = if registered {
            Origin::Registered(config.factory)
        } else {
            Origin::Described
        };
        // Allocated here, before the lock is taken: one allocation fewer while other writers
        // wait.
        let entry = Arc::new(Entry {
            name: config.name,
            version,
            kind: config.kind,
            capabilities,
            requires: config.requires,
            deps: dependencies,
            origin,
        });
        Ok(Parsed { entry, cap_hashes })
    }
}

/// A checked configuration, with what `parse` already worked out for `register`.
pub(crate) struct Parsed {
    pub(crate) entry: Arc<Entry>,
    pub(crate) cap_hashes: CapHashes,
}

/// The table hashes of an entry's first capabilities, taken while looking for duplicates so
/// that the capability index, under the lock, does not hash them again.
pub(crate) struct CapHashes([u32; CapHashes::N]);

impl CapHashes {
    const N: usize = 8;

    /// The hash of capability `i`, `cap`.
    pub(crate) fn get(&self, i: usize, cap: &str) -> u32 {
        match self.0.get(i) {
            Some(&h) => h,
            None => table::hash(cap),
        }
    }
}

/// A module as the registry knows it: a cheap, shared handle (cloning is a reference count).
#[derive(Clone)]
pub struct ModuleInfo(pub(crate) Arc<Entry>);

impl ModuleInfo {
    /// Describes a module without registering it, checking its name, version and requirements
    /// as `register` does: what a custom discovery strategy returns for modules it finds.
    pub fn from_config(config: ModuleConfig) -> Result<ModuleInfo, RegistryError> {
        Ok(ModuleInfo(Entry::parse(config, false)?.entry))
    }

    /// The module name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The version.
    pub fn version(&self) -> &semver::Version {
        &self.0.version
    }

    /// What kind of module it is.
    pub fn module_type(&self) -> &ModuleType {
        &self.0.kind
    }

    /// The capabilities it provides, each once.
    pub fn capabilities(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.capabilities.iter().map(|c| &**c)
    }

    /// Whether it provides `capability`.
    pub fn has_capability(&self, capability: &str) -> bool {
        self.0.has_capability(capability)
    }

    /// The capabilities some other module must provide.
    pub fn required_capabilities(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.requires.iter().map(|c| &**c)
    }

    /// Its dependencies, in declaration order.
    pub fn dependencies(&self) -> &[DependencyConfig] {
        &self.0.deps
    }

    /// The static descriptor, when the module is statically linked.
    pub fn descriptor(&self) -> Option<&'static ModuleDescriptor> {
        match self.0.origin {
            Origin::Linked(d) => Some(d),
            _ => None,
        }
    }

    /// Whether the module is in a registry (linked or registered), rather than only described
    /// by [`ModuleInfo::from_config`].
    pub fn is_registered(&self) -> bool {
        !matches!(self.0.origin, Origin::Described)
    }
}

impl fmt::Debug for ModuleInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleInfo")
            .field("name", &self.name())
            .field("version", &format_args!("{}", self.version()))
            .field("kind", self.module_type())
            .field("capabilities", &self.0.capabilities)
            .field("linked", &self.descriptor().is_some())
            .finish()
    }
}
