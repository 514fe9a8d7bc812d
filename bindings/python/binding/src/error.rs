//! The exceptions: `ModuleRegistryError` and one subclass per kind of failure, each carrying
//! its code.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use module_registry::{ModuleError, RegistryError, ValidationErrors};

create_exception!(
    module_registry,
    ModuleRegistryError,
    PyException,
    "A failure of the registry. `code` is the stable code of the first finding of a graph \
     error (`MR0001`...), else the status; `status` names the kind of failure (`invalid_graph`, \
     `refused`, `not_found`, `boot_failed`, `module_failed`, `shutdown_failed`); `findings` \
     lists `(code, message)` for every problem of a graph error."
);
create_exception!(
    module_registry,
    ValidationError,
    ModuleRegistryError,
    "The module graph is invalid, or a registration was refused (the registry is unchanged)."
);
create_exception!(
    module_registry,
    NotFoundError,
    ModuleRegistryError,
    "No module, or no processor, of that name."
);
create_exception!(
    module_registry,
    BootError,
    ModuleRegistryError,
    "A module failed while booting or being created; what was started was cleaned up."
);
create_exception!(
    module_registry,
    ModuleFailedError,
    ModuleRegistryError,
    "A module's `process` failed."
);
create_exception!(
    module_registry,
    ShutdownError,
    ModuleRegistryError,
    "Some cleanups failed during shutdown; every module was still shut down."
);

/// A failure on its way to Python.
pub(crate) struct Failure {
    status: &'static str,
    message: String,
    findings: Vec<(String, String)>,
}

impl Failure {
    pub(crate) fn new(status: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            findings: Vec::new(),
        }
    }

    fn graph(status: &'static str, message: String, errors: &ValidationErrors) -> Self {
        Failure {
            status,
            message,
            findings: errors
                .iter()
                .map(|e| (e.code().to_owned(), e.to_string()))
                .collect(),
        }
    }

    /// The exception, with `code`, `status` and `findings` set.
    pub(crate) fn into_py_err(self, py: Python<'_>) -> PyErr {
        let err = match self.status {
            "invalid_graph" | "refused" => ValidationError::new_err(self.message),
            "not_found" => NotFoundError::new_err(self.message),
            "boot_failed" => BootError::new_err(self.message),
            "module_failed" => ModuleFailedError::new_err(self.message),
            "shutdown_failed" => ShutdownError::new_err(self.message),
            _ => ModuleRegistryError::new_err(self.message),
        };
        let value = err.value(py);
        let code = self
            .findings
            .first()
            .map_or(self.status, |(code, _)| code.as_str());
        let findings: PyResult<Vec<Bound<'_, PyTuple>>> = self
            .findings
            .iter()
            .map(|(code, text)| PyTuple::new(py, [code, text]))
            .collect();
        let attributes = findings.and_then(|findings| {
            value.setattr("code", code)?;
            value.setattr("status", self.status)?;
            value.setattr("findings", findings)
        });
        match attributes {
            Ok(()) => err,
            Err(e) => e,
        }
    }
}

impl From<ValidationErrors> for Failure {
    fn from(errors: ValidationErrors) -> Self {
        Failure::graph("invalid_graph", errors.to_string(), &errors)
    }
}

impl From<module_registry::BootError> for Failure {
    fn from(error: module_registry::BootError) -> Self {
        match &error {
            module_registry::BootError::Invalid(errors) => {
                Failure::graph("invalid_graph", error.to_string(), errors)
            }
            _ => Failure::new("boot_failed", error.to_string()),
        }
    }
}

impl From<Box<module_registry::runtime::AsyncBootError>> for Failure {
    fn from(error: Box<module_registry::runtime::AsyncBootError>) -> Self {
        match &*error {
            module_registry::runtime::AsyncBootError::Invalid(errors) => {
                Failure::graph("invalid_graph", error.to_string(), errors)
            }
            _ => Failure::new("boot_failed", error.to_string()),
        }
    }
}

impl From<module_registry::ShutdownError> for Failure {
    fn from(error: module_registry::ShutdownError) -> Self {
        Failure::new("shutdown_failed", error.to_string())
    }
}

impl From<ModuleError> for Failure {
    fn from(error: ModuleError) -> Self {
        Failure::new("module_failed", error.to_string())
    }
}

impl From<RegistryError> for Failure {
    fn from(error: RegistryError) -> Self {
        let status = match &error {
            RegistryError::Refused { .. } => "refused",
            RegistryError::NotFound { .. } => "not_found",
            RegistryError::Process(_) => "module_failed",
            RegistryError::Cleanup { .. } => "shutdown_failed",
            _ => "boot_failed",
        };
        match error.validation_errors() {
            Some(errors) => Failure::graph(status, error.to_string(), errors),
            None => Failure::new(status, error.to_string()),
        }
    }
}

/// Converts a Rust result into a Python one.
pub(crate) fn py_result<T>(py: Python<'_>, result: Result<T, impl Into<Failure>>) -> PyResult<T> {
    result.map_err(|e| e.into().into_py_err(py))
}

/// The value behind `shared` if no other thread holds it; otherwise `shared` goes back through
/// `put_back` and the error says that `what` (a runtime, an instance) is still in use.
pub(crate) fn sole_owner<T>(
    shared: std::sync::Arc<T>,
    put_back: impl FnOnce(std::sync::Arc<T>),
    what: &str,
) -> PyResult<T> {
    std::sync::Arc::try_unwrap(shared).map_err(|shared| {
        put_back(shared);
        pyo3::exceptions::PyRuntimeError::new_err(format!(
            "the {what} is in use by another thread; shut it down when it is done"
        ))
    })
}
