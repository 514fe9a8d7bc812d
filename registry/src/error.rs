//! Error types of the runtime.

use std::fmt;

pub use module_registry_core::diag::{Hop, ValidationError, ValidationErrors};

/// An error raised by a module: from `create`, a lifecycle hook or `process`.
pub struct ModuleError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ModuleError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ModuleError {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and an underlying cause.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        ModuleError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModuleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Box<dyn std::error::Error + Send + Sync + 'static>> for ModuleError {
    fn from(err: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        ModuleError {
            message: err.to_string(),
            source: Some(err),
        }
    }
}

impl From<Box<dyn std::error::Error + 'static>> for ModuleError {
    fn from(err: Box<dyn std::error::Error + 'static>) -> Self {
        ModuleError::new(err.to_string())
    }
}

impl From<String> for ModuleError {
    fn from(message: String) -> Self {
        ModuleError::new(message)
    }
}

impl From<&str> for ModuleError {
    fn from(message: &str) -> Self {
        ModuleError::new(message)
    }
}

impl From<std::io::Error> for ModuleError {
    fn from(err: std::io::Error) -> Self {
        ModuleError::with_source(err.to_string(), err)
    }
}

/// Why [`Registry::boot`](crate::Registry::boot) failed.
#[derive(thiserror::Error)]
pub enum BootError {
    /// The module graph is invalid; nothing was started.
    #[error("cannot boot: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A module failed (error or panic); every module already initialized was cleaned up in
    /// reverse order.
    #[error("module \"{module}\" failed in {stage}: {error} (dependency path: {})", path.join(" -> "))]
    Failed {
        /// The module that failed.
        module: &'static str,
        /// Where it failed.
        stage: Stage,
        /// From a module nothing depends on, down to `module`.
        path: Vec<&'static str>,
        /// The module's error.
        #[source]
        error: ModuleError,
        /// Errors raised while cleaning up the modules already started.
        cleanup: Vec<(&'static str, ModuleError)>,
    },
    /// A module has an async hook (`create = async path` or `lifecycle = async`), which only
    /// `Registry::boot_async` runs; nothing was started.
    #[error("module \"{module}\" has async hooks: boot it with `Registry::boot_async` (feature `async`)")]
    NeedsAsyncBoot {
        /// The first such module.
        module: &'static str,
    },
}

/// Every `cleanup` failure of one shutdown.
#[derive(thiserror::Error)]
#[error("{} module(s) failed to shut down: {}", failures.len(), failures.iter().map(|(m, e)| format!("\"{m}\": {e}")).collect::<Vec<_>>().join("; "))]
pub struct ShutdownError {
    /// `(module, error)` in the order they happened (reverse boot order).
    pub failures: Vec<(&'static str, ModuleError)>,
}

/// A lifecycle stage, as named in errors, metrics and the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The `create` function (or `Default::default`).
    Create,
    /// `Lifecycle::initialize`.
    Initialize,
    /// `Lifecycle::cleanup`.
    Cleanup,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Create => "create",
            Stage::Initialize => "initialize",
            Stage::Cleanup => "cleanup",
        })
    }
}

/// `Debug` reads like `Display`, with the causes: `unwrap()` and `?` in `main` print `Debug`.
macro_rules! debug_as_report {
    ($($error:ty),*) => {$(
        impl ::std::fmt::Debug for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::module_registry_core::diag::debug_report(self, f)
            }
        }
    )*};
}

pub(crate) use debug_as_report;

debug_as_report!(ModuleError, BootError, ShutdownError);
