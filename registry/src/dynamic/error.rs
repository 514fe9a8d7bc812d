//! The error type of the dynamic registry.

use crate::error::Stage;
use crate::error::{BootError, ModuleError, ValidationErrors};

/// Why an operation of the [`ModuleRegistry`](crate::ModuleRegistry) failed. `Display` names
/// the module involved.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registration was refused; the registry is unchanged. `errors` are the very findings
    /// the static checks give for the same problem (cycle `MR0001`, missing dependency `MR0002`,
    /// version `MR0003`, duplicate name `MR0004`, capability `MR0005`, bad version string
    /// `MR0007`, bad name `MR0008`).
    #[error("module \"{module}\" refused: {errors}")]
    Refused {
        /// The module that was refused.
        module: String,
        /// Every finding, in the order the static checks report them.
        errors: ValidationErrors,
    },
    /// No module of that name is registered.
    #[error("module \"{name}\" is not in the registry")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// A module needed by `create` has no factory and no instantiation strategy handles it.
    #[error("module \"{module}\" has no factory, and no instantiation strategy handles it (needed by \"{root}\")")]
    NoFactory {
        /// The module without a way to build it.
        module: String,
        /// The module `create` was asked for.
        root: String,
    },
    /// The statically linked modules needed by `create` failed to boot; nothing was created.
    #[error("module \"{module}\": its statically linked modules failed to boot: {error}")]
    Boot {
        /// The module `create` was asked for.
        module: String,
        /// The boot failure.
        #[source]
        error: Box<BootError>,
    },
    /// A module failed (error or panic) while `create` built it; everything already built was
    /// cleaned up in reverse order.
    #[error("module \"{module}\" failed in {stage}: {error} (dependency path: {})", path.join(" -> "))]
    Failed {
        /// The module that failed.
        module: String,
        /// Where it failed. A factory, a strategy or an instance that does not match its
        /// registration fails in `create`.
        stage: Stage,
        /// From the module `create` was asked for, down to `module`.
        path: Vec<String>,
        /// The module's error.
        #[source]
        error: ModuleError,
        /// Errors raised while cleaning up what was already built.
        cleanup: Vec<(String, ModuleError)>,
    },
    /// Shutting an instance down raised errors; every module was still cleaned up and dropped.
    #[error("instance of module \"{module}\": {} module(s) failed to clean up: {}", failures.len(), failures.iter().map(|(m, e)| format!("\"{m}\": {e}")).collect::<Vec<_>>().join("; "))]
    Cleanup {
        /// The module the instance was created for.
        module: String,
        /// `(module, error)`, in the order they happened (reverse creation order).
        failures: Vec<(String, ModuleError)>,
    },
    /// An error a module returned to its caller, e.g. from [`process`](crate::DynModule::process),
    /// passed on by `?` in a function that returns `Result<_, RegistryError>`.
    #[error(transparent)]
    Process(#[from] ModuleError),
    /// A custom discovery or instantiation strategy failed.
    #[error("strategy failed for module \"{module}\": {message}")]
    Strategy {
        /// The module, or the query, the strategy was working on.
        module: String,
        /// What went wrong.
        message: String,
    },
}

impl RegistryError {
    /// An error for a custom strategy to return.
    pub fn strategy(module: impl Into<String>, message: impl Into<String>) -> Self {
        RegistryError::Strategy {
            module: module.into(),
            message: message.into(),
        }
    }

    /// The findings of a refused registration.
    pub fn validation_errors(&self) -> Option<&ValidationErrors> {
        match self {
            RegistryError::Refused { errors, .. } => Some(errors),
            _ => None,
        }
    }
}

crate::error::debug_as_report!(RegistryError);
