//! What Python sees of a module and of a dependency.

use pyo3::prelude::*;

use module_registry::{ModuleDescriptor, ModuleInfo};

/// A module: linked into the package, or registered at run time.
#[pyclass(frozen, get_all, module = "module_registry")]
#[derive(Clone)]
pub(crate) struct Module {
    /// `[a-z0-9]` words joined by `-`.
    name: String,
    /// Semver, e.g. `"1.4.0"`.
    version: String,
    /// `"Storage"`, `"DataProcessor"`, ... or a custom kind's text.
    kind: String,
    /// The struct's doc comment (empty for a module registered at run time).
    description: String,
    /// The capabilities it provides.
    capabilities: Vec<String>,
    /// The capabilities some other module must provide.
    requires: Vec<String>,
    /// What it depends on, required and optional.
    dependencies: Vec<Dependency>,
}

impl Module {
    pub(crate) fn from_descriptor(d: &'static ModuleDescriptor) -> Self {
        Module {
            name: d.name().to_owned(),
            version: d.version().to_string(),
            kind: d.kind().to_string(),
            description: d.description().to_owned(),
            capabilities: d.capabilities().iter().map(|c| (*c).to_owned()).collect(),
            requires: d.requires().iter().map(|c| (*c).to_owned()).collect(),
            dependencies: d
                .dependencies()
                .iter()
                .map(|dep| Dependency {
                    name: dep.name().to_owned(),
                    version_req: dep.version_req().map(str::to_owned),
                    optional: dep.is_optional(),
                })
                .collect(),
        }
    }

    pub(crate) fn from_info(info: &ModuleInfo) -> Self {
        if let Some(d) = info.descriptor() {
            return Module::from_descriptor(d);
        }
        Module {
            name: info.name().to_owned(),
            version: info.version().to_string(),
            kind: info.module_type().to_string(),
            description: String::new(),
            capabilities: info.capabilities().map(str::to_owned).collect(),
            requires: info.required_capabilities().map(str::to_owned).collect(),
            dependencies: info
                .dependencies()
                .iter()
                .map(|dep| Dependency {
                    name: dep.name().to_owned(),
                    version_req: dep.version_req().map(str::to_owned),
                    optional: dep.is_optional(),
                })
                .collect(),
        }
    }
}

#[pymethods]
impl Module {
    fn __repr__(&self) -> String {
        format!(
            "Module(name={:?}, version={:?}, kind={:?})",
            self.name, self.version, self.kind
        )
    }

    fn __eq__(&self, other: &Module) -> bool {
        self.name == other.name && self.version == other.version
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&self.name, &self.version).hash(&mut hasher);
        hasher.finish()
    }
}

/// One dependency: the module depended on, an optional semver requirement, and whether the
/// module may be absent. Also what `ModuleRegistry.register(dependencies=...)` takes.
#[pyclass(frozen, get_all, module = "module_registry")]
#[derive(Clone)]
pub(crate) struct Dependency {
    /// The module depended on.
    pub(crate) name: String,
    /// A semver requirement such as `"^1.2"`, or `None` for any version.
    pub(crate) version_req: Option<String>,
    /// Whether the module may be absent.
    pub(crate) optional: bool,
}

#[pymethods]
impl Dependency {
    #[new]
    #[pyo3(signature = (name, version_req = None, optional = false))]
    fn new(name: String, version_req: Option<String>, optional: bool) -> Self {
        Dependency {
            name,
            version_req,
            optional,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Dependency(name={:?}, version_req={:?}, optional={})",
            self.name,
            self.version_req,
            if self.optional { "True" } else { "False" }
        )
    }
}
