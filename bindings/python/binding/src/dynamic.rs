//! `ModuleRegistry` (the dynamic registry), its queries and instances, and modules written
//! in Python.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use module_registry::dynamic::DependencyConfig;
use module_registry::{DynModule, ModuleConfig, ModuleError, ModuleType};

use crate::error::{py_result, sole_owner};
use crate::info::{Dependency, Module};

/// Which modules `ModuleRegistry.discover` returns: a name pattern (a substring, or a
/// whole-name pattern with `*`) and a kind, each optional.
#[pyclass(frozen, get_all, module = "module_registry")]
#[derive(Clone, Default)]
pub(crate) struct DiscoveryQuery {
    /// A substring, or a whole-name pattern with `*`.
    name_pattern: Option<String>,
    /// `"DataProcessor"`, `"Storage"`, ...
    kind: Option<String>,
}

#[pymethods]
impl DiscoveryQuery {
    #[new]
    #[pyo3(signature = (name_pattern = None, kind = None))]
    fn new(name_pattern: Option<String>, kind: Option<String>) -> Self {
        DiscoveryQuery { name_pattern, kind }
    }
}

/// Which modules `ModuleRegistry.discover_capabilities` returns: those providing every
/// `required` capability, ranked by how many `optional` ones they provide.
#[pyclass(frozen, get_all, module = "module_registry")]
#[derive(Clone)]
pub(crate) struct CapabilityQuery {
    /// Every one must be provided.
    required: Vec<String>,
    /// Each one provided ranks a module higher.
    optional: Vec<String>,
}

#[pymethods]
impl CapabilityQuery {
    #[new]
    #[pyo3(signature = (required = Vec::new(), optional = Vec::new()))]
    fn new(required: Vec<String>, optional: Vec<String>) -> Self {
        CapabilityQuery { required, optional }
    }
}

fn kind(text: &str) -> ModuleType {
    match text {
        "DataProcessor" => ModuleType::DataProcessor,
        "Service" => ModuleType::Service,
        "Storage" => ModuleType::Storage,
        "Network" => ModuleType::Network,
        "Security" => ModuleType::Security,
        "Monitoring" => ModuleType::Monitoring,
        other => ModuleType::custom(other.to_owned()),
    }
}

/// `text`, kept for the life of the process: `DynModule::capabilities` lends `&str`s that an
/// instance must hold. Each distinct capability is stored once, so the set stays small.
fn intern(text: &str) -> &'static str {
    static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = interned.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into());
    interned.insert(leaked);
    leaked
}

/// What every instance of one Python module reports: the registration's values.
#[derive(Clone)]
struct Shape {
    name: String,
    version: String,
    kind: ModuleType,
    capabilities: Arc<[&'static str]>,
}

/// A module implemented by a Python object with `process(self, data: bytes) -> bytes`, and
/// optionally `initialize(self)` and `cleanup(self)`.
struct PythonModule {
    /// `Some` until dropped.
    object: Option<Py<PyAny>>,
    shape: Shape,
}

impl PythonModule {
    fn object<'py>(&self, py: Python<'py>) -> Result<&Bound<'py, PyAny>, ModuleError> {
        self.object
            .as_ref()
            .map(|o| o.bind(py))
            .ok_or_else(|| ModuleError::new("the Python module was dropped"))
    }
}

impl Drop for PythonModule {
    fn drop(&mut self) {
        // Released with the GIL held, so that the object goes now, not when some later call
        // takes the GIL: it may hold handles to its dependencies, which shut down after it
        // and only once nothing else refers to them.
        Python::attach(|_| drop(self.object.take()));
    }
}

fn module_error(name: &str, what: &str, err: PyErr) -> ModuleError {
    ModuleError::new(format!("module \"{name}\": {what} raised {err}"))
}

impl PythonModule {
    fn call_hook(&self, hook: &str) -> Result<(), ModuleError> {
        Python::attach(|py| {
            let object = self.object(py)?;
            if object.hasattr(hook).unwrap_or(false) {
                object
                    .call_method0(hook)
                    .map_err(|e| module_error(&self.shape.name, hook, e))?;
            }
            Ok(())
        })
    }
}

impl DynModule for PythonModule {
    fn name(&self) -> &str {
        &self.shape.name
    }

    fn version(&self) -> &str {
        &self.shape.version
    }

    fn module_type(&self) -> ModuleType {
        self.shape.kind.clone()
    }

    fn capabilities(&self) -> &[&str] {
        &self.shape.capabilities
    }

    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.call_hook("initialize")
    }

    fn cleanup(&mut self) -> Result<(), ModuleError> {
        self.call_hook("cleanup")
    }

    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let name = &self.shape.name;
        Python::attach(|py| {
            let result = self
                .object(py)?
                .call_method1("process", (PyBytes::new(py, data),))
                .map_err(|e| module_error(name, "process", e))?;
            let bytes = result.cast::<PyBytes>().map_err(|_| {
                ModuleError::new(format!(
                    "module \"{name}\": process returned {}, not bytes",
                    result
                        .get_type()
                        .name()
                        .map_or_else(|_| "?".into(), |n| n.to_string())
                ))
            })?;
            Ok(bytes.as_bytes().to_vec())
        })
    }
}

/// A module an instance holds, as a factory sees its dependencies: `process` runs without the
/// GIL.
#[pyclass(frozen, module = "module_registry")]
pub(crate) struct ModuleHandle {
    module: Arc<dyn DynModule>,
}

#[pymethods]
impl ModuleHandle {
    /// The module's name.
    #[getter]
    fn name(&self) -> &str {
        self.module.name()
    }

    /// The module's version.
    #[getter]
    fn version(&self) -> &str {
        self.module.version()
    }

    /// Runs the module's `process` on `data`, without the GIL.
    fn process<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let result = py.detach(|| self.module.process(data));
        Ok(PyBytes::new(py, &py_result(py, result)?))
    }

    fn __repr__(&self) -> String {
        format!("ModuleHandle({:?})", self.module.name())
    }
}

/// The registry of the FAQ: every linked module (unless `linked=False`), plus modules
/// registered at run time, with the static registry's checks.
#[pyclass(frozen, module = "module_registry")]
pub(crate) struct ModuleRegistry {
    inner: Arc<module_registry::ModuleRegistry>,
}

fn dependency(item: &Bound<'_, PyAny>) -> PyResult<DependencyConfig> {
    if let Ok(name) = item.extract::<String>() {
        return Ok(DependencyConfig::new(name));
    }
    let dep = item
        .cast::<Dependency>()
        .map_err(|_| PyTypeError::new_err("a dependency is a module name or a `Dependency`"))?;
    let dep = dep.get();
    let mut config = DependencyConfig::new(dep.name.clone());
    if let Some(req) = &dep.version_req {
        config = config.with_version_req(req.clone());
    }
    if dep.optional {
        config = config.optional();
    }
    Ok(config)
}

/// How a registered Python module's instances are built.
enum Builder {
    /// `module()`.
    Class(Py<PyAny>),
    /// `factory(deps)`, `deps` a dict of declared dependency name to `ModuleHandle`.
    Factory(Py<PyAny>),
}

#[pymethods]
impl ModuleRegistry {
    #[new]
    #[pyo3(signature = (*, linked = true))]
    fn new(linked: bool) -> Self {
        let inner = if linked {
            module_registry::ModuleRegistry::new()
        } else {
            module_registry::ModuleRegistry::empty()
        };
        ModuleRegistry {
            inner: Arc::new(inner),
        }
    }

    /// Registers a module, or raises `ValidationError` (the registry is then unchanged) with
    /// the static checks' findings: `MR0008` bad name, `MR0007` bad version, `MR0004`
    /// duplicate, `MR0002` missing dependency, `MR0003` unsatisfied requirement, `MR0005`
    /// capability nobody provides, `MR0001` cycle.
    ///
    /// `module` is a class (any callable without arguments) whose instances have
    /// `process(self, data: bytes) -> bytes`, and optionally `initialize(self)` and
    /// `cleanup(self)`; `factory` instead takes a dict of the declared dependencies, built
    /// first, by name. With neither, the module only describes itself.
    #[pyo3(signature = (name, version, *, kind = "Service", capabilities = Vec::new(),
                        requires = Vec::new(), dependencies = Vec::new(), module = None,
                        factory = None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        name: String,
        version: String,
        kind: &str,
        capabilities: Vec<String>,
        requires: Vec<String>,
        dependencies: Vec<Bound<'_, PyAny>>,
        module: Option<Py<PyAny>>,
        factory: Option<Py<PyAny>>,
    ) -> PyResult<Module> {
        let builder = match (module, factory) {
            (Some(_), Some(_)) => {
                return Err(PyTypeError::new_err("give `module` or `factory`, not both"))
            }
            (Some(m), None) => Some(Builder::Class(m)),
            (None, Some(f)) => Some(Builder::Factory(f)),
            (None, None) => None,
        };
        let shape = Shape {
            name: name.clone(),
            version: version.clone(),
            kind: self::kind(kind),
            capabilities: capabilities.iter().map(|c| intern(c)).collect(),
        };
        let mut config = ModuleConfig::new()
            .with_name(name)
            .with_version(version)
            .with_type(shape.kind.clone());
        for capability in capabilities {
            config = config.add_capability(capability);
        }
        for capability in requires {
            config = config.add_required_capability(capability);
        }
        let declared: Vec<String> = dependencies
            .iter()
            .map(|d| dependency(d).map(|c| c.name().to_owned()))
            .collect::<PyResult<_>>()?;
        for item in &dependencies {
            config = config.add_dependency(dependency(item)?);
        }
        if let Some(builder) = builder {
            config = config.with_factory(move |deps| {
                Python::attach(|py| {
                    let object = match &builder {
                        Builder::Class(class) => class.bind(py).call0(),
                        Builder::Factory(factory) => {
                            let given = PyDict::new(py);
                            for name in &declared {
                                if let Some(module) = deps.get(name) {
                                    given.set_item(name, ModuleHandle { module })?;
                                }
                            }
                            factory.bind(py).call1((given,))
                        }
                    };
                    object.map(|object| PythonModule {
                        object: Some(object.unbind()),
                        shape: shape.clone(),
                    })
                })
                .map(|m| Box::new(m) as Box<dyn DynModule>)
                .map_err(|e| {
                    ModuleError::new(format!("module \"{}\": building it raised {e}", shape.name))
                })
            });
        }
        let info = py_result(py, self.inner.register(config))?;
        Ok(Module::from_info(&info))
    }

    /// The modules matching `query` (every module without one), sorted by name.
    #[pyo3(signature = (query = None))]
    fn discover(
        &self,
        py: Python<'_>,
        query: Option<Bound<'_, DiscoveryQuery>>,
    ) -> PyResult<Vec<Module>> {
        let query = query.map(|q| q.get().clone()).unwrap_or_default();
        let mut q = module_registry::DiscoveryQuery::new();
        if let Some(pattern) = query.name_pattern {
            q = q.with_name_pattern(pattern);
        }
        if let Some(k) = query.kind {
            q = q.with_type_filter(kind(&k));
        }
        let found = py_result(py, self.inner.discover(q))?;
        Ok(found.iter().map(Module::from_info).collect())
    }

    /// The modules providing every required capability of `query`, ranked by how many
    /// optional ones they provide (most first), then by name.
    fn discover_capabilities(
        &self,
        py: Python<'_>,
        query: Bound<'_, CapabilityQuery>,
    ) -> PyResult<Vec<Module>> {
        let query = query.get().clone();
        let q = module_registry::CapabilityQuery::new()
            .with_required_capabilities(query.required)
            .with_optional_capabilities(query.optional);
        let found = py_result(py, self.inner.discover_capabilities(q))?;
        Ok(found.iter().map(Module::from_info).collect())
    }

    /// Builds module `name` and its dependencies, dependencies first, without the GIL. Raises
    /// `NotFoundError`, or `BootError` if one failed to build (what was built is cleaned up).
    fn create(&self, py: Python<'_>, name: &str) -> PyResult<ModuleInstance> {
        let registry = Arc::clone(&self.inner);
        let instance = py.detach(|| registry.create(name));
        let instance = py_result(py, instance)?;
        Ok(ModuleInstance {
            name: instance.name().to_owned(),
            inner: Mutex::new(Some(Arc::new(instance))),
        })
    }

    /// Runs every whole-graph check; raises `ValidationError` with every finding.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        py_result(py, self.inner.validate())
    }

    /// Every module: linked ones first, then in registration order.
    fn modules(&self) -> Vec<Module> {
        self.inner.modules().iter().map(Module::from_info).collect()
    }

    /// The module named `name`, or `None`.
    fn get(&self, name: &str) -> Option<Module> {
        self.inner.get(name).map(|info| Module::from_info(&info))
    }

    fn __contains__(&self, name: &str) -> bool {
        self.inner.contains(name)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("ModuleRegistry({} modules)", self.inner.len())
    }
}

/// A module built by `ModuleRegistry.create`, with its dependencies. Shut it down with
/// `shutdown()`, or use it as a context manager.
#[pyclass(frozen, module = "module_registry")]
pub(crate) struct ModuleInstance {
    name: String,
    inner: Mutex<Option<Arc<module_registry::ModuleInstance>>>,
}

impl ModuleInstance {
    fn live(&self) -> PyResult<Arc<module_registry::ModuleInstance>> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the instance is shut down"))
    }
}

#[pymethods]
impl ModuleInstance {
    /// The module `create` was asked for.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The names of every module of the instance, in creation order.
    fn modules(&self) -> PyResult<Vec<String>> {
        Ok(self.live()?.modules().map(str::to_owned).collect())
    }

    /// Runs the module's `process` on `data`, without the GIL; raises `ModuleFailedError`.
    fn process<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let instance = self.live()?;
        let result = py.detach(|| instance.process(data));
        Ok(PyBytes::new(py, &py_result(py, result)?))
    }

    /// Cleans up every module in reverse creation order, without the GIL; raises
    /// `ShutdownError` if some cleanup failed. A second call does nothing.
    fn shutdown(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(instance) = taken else {
            return Ok(());
        };
        let put_back =
            |shared| *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = Some(shared);
        let instance = sole_owner(instance, put_back, "instance")?;
        py_result(py, py.detach(|| instance.shutdown()))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.shutdown(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("ModuleInstance({:?})", self.name)
    }
}
