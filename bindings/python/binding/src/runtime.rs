//! `Registry` (the modules linked into the package) and `Runtime` (them, booted).

use std::sync::{Arc, PoisonError, RwLock};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use module_registry::{BootPolicy, Processor};

use crate::error::{py_result, sole_owner, Failure};
use crate::info::Module;

/// Every module linked into the package. `Registry()` is always the same registry.
#[pyclass(frozen, module = "module_registry")]
pub(crate) struct Registry;

fn registry() -> &'static module_registry::Registry {
    module_registry::Registry::global()
}

#[pymethods]
impl Registry {
    #[new]
    fn new() -> Self {
        Registry
    }

    /// Every module, in link order.
    fn modules(&self) -> Vec<Module> {
        registry().modules().map(Module::from_descriptor).collect()
    }

    fn __len__(&self) -> usize {
        registry().len()
    }

    fn __contains__(&self, name: &str) -> bool {
        registry().find(name).is_some()
    }

    /// The module named `name`, or `None`.
    fn find(&self, name: &str) -> Option<Module> {
        registry().find(name).map(Module::from_descriptor)
    }

    /// The modules that provide `capability`, in registry order.
    fn with_capability(&self, capability: &str) -> Vec<Module> {
        registry()
            .with_capability(capability)
            .map(Module::from_descriptor)
            .collect()
    }

    /// Runs every graph check; raises `ValidationError` with every finding.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        py_result(py, registry().validate())
    }

    /// The boot order: dependencies first, ties by name. Raises like `validate`.
    fn init_order(&self, py: Python<'_>) -> PyResult<Vec<Module>> {
        let order = py_result(py, registry().init_order())?;
        Ok(order.into_iter().map(Module::from_descriptor).collect())
    }

    /// Boots every module in dependency order, without the GIL. With `degrade`, a module that
    /// fails is skipped with its dependents; otherwise the boot stops, cleans up, and raises
    /// `BootError`. Modules with async hooks (the demo's storage opens its database so) are
    /// booted by `boot_async` on a runtime of this call's own, each as soon as its dependencies
    /// are up.
    #[pyo3(signature = (*, degrade = false))]
    fn boot(&self, py: Python<'_>, degrade: bool) -> PyResult<Runtime> {
        let policy = if degrade {
            BootPolicy::Degrade
        } else {
            BootPolicy::FailFast
        };
        let runtime = if registry().modules().any(|d| d.is_async()) {
            let executor = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .map_err(|e| PyRuntimeError::new_err(format!("cannot start an executor: {e}")))?;
            let options = module_registry::runtime::BootOptions::new().policy(policy);
            let booted = py.detach(|| {
                let booted = executor.block_on(registry().boot_async(options));
                booted.map(|(runtime, _report)| runtime).map_err(Box::new)
            });
            py_result(py, booted)?
        } else {
            py_result(py, py.detach(|| registry().boot_with(policy)))?
        };
        Ok(Runtime {
            inner: RwLock::new(Some(Arc::new(runtime))),
        })
    }

    fn __repr__(&self) -> String {
        format!("Registry({} modules)", registry().len())
    }
}

/// The booted modules. Shut it down with `shutdown()`, or use it as a context manager.
#[pyclass(frozen, module = "module_registry")]
pub(crate) struct Runtime {
    inner: RwLock<Option<Arc<module_registry::Runtime>>>,
}

impl Runtime {
    fn running(&self) -> PyResult<Arc<module_registry::Runtime>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the runtime is shut down"))
    }
}

fn processor<'a>(
    runtime: &'a module_registry::Runtime,
    name: &str,
) -> Result<&'a dyn Processor, Failure> {
    runtime.processor(name).ok_or_else(|| {
        Failure::new(
            "not_found",
            format!("no running module named \"{name}\" provides `dyn Processor`"),
        )
    })
}

#[pymethods]
impl Runtime {
    /// The running modules, in boot order.
    fn modules(&self) -> PyResult<Vec<Module>> {
        Ok(self
            .running()?
            .modules()
            .map(Module::from_descriptor)
            .collect())
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.running()?.len())
    }

    /// The names of the running modules that provide `dyn Processor`, in boot order.
    fn processors(&self) -> PyResult<Vec<String>> {
        let runtime = self.running()?;
        Ok(runtime
            .modules()
            .filter(|d| runtime.processor(d.name()).is_some())
            .map(|d| d.name().to_owned())
            .collect())
    }

    /// Runs the processor `name` on `data`, without the GIL. Raises `NotFoundError` if no
    /// running module of that name provides `dyn Processor`, `ModuleFailedError` if it fails.
    fn process<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        data: &[u8],
    ) -> PyResult<Bound<'py, PyBytes>> {
        let runtime = self.running()?;
        let result = py.detach(|| {
            processor(&runtime, name)?
                .process(data)
                .map_err(Failure::from)
        });
        Ok(PyBytes::new(py, &py_result(py, result)?))
    }

    /// Pipes `data` through every processor in boot order, each feeding the next, without
    /// the GIL.
    fn pipeline<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let runtime = self.running()?;
        let result = py.detach(|| {
            let mut data = data.to_vec();
            for p in runtime.all::<dyn Processor>() {
                data = p.process(&data)?;
            }
            Ok::<_, module_registry::ModuleError>(data)
        });
        Ok(PyBytes::new(py, &py_result(py, result)?))
    }

    /// Whether `shutdown` has not run yet.
    #[getter]
    fn is_running(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// Runs every cleanup in reverse boot order, without the GIL; raises `ShutdownError` if
    /// some failed. A second call does nothing.
    fn shutdown(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self
            .inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(runtime) = taken else {
            return Ok(());
        };
        let put_back =
            |shared| *self.inner.write().unwrap_or_else(PoisonError::into_inner) = Some(shared);
        let runtime = sole_owner(runtime, put_back, "runtime")?;
        py_result(py, py.detach(|| runtime.shutdown()))
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
        match self
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            Some(rt) => format!("Runtime({} modules running)", rt.len()),
            None => "Runtime(shut down)".to_owned(),
        }
    }
}
