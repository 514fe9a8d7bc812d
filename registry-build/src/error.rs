//! I/O and environment failures: everything that stops the check before it can judge the graph.

use std::path::PathBuf;

/// Why the check could not run. Each message says what to do about it.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An environment variable cargo sets for build scripts is missing.
    #[error("environment variable `{var}` is not set: run the check from a build script (`build.rs`), or call `Checker::{setter}` to give it explicitly")]
    Env {
        /// The variable, e.g. `CARGO_MANIFEST_DIR`.
        var: &'static str,
        /// The `Checker` method that replaces it.
        setter: &'static str,
    },
    /// A file could not be read.
    #[error("could not read `{}`: check that it exists and is readable", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// An artifact could not be written to `OUT_DIR`.
    #[error("could not write `{}`: check that the output directory exists and is writable", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A `Cargo.toml` or `Cargo.lock` is not valid TOML.
    #[error("could not parse `{}`: fix the TOML syntax (cargo reports the same problem)", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        #[source]
        source: toml::de::Error,
    },
    /// A manifest lacks something the check needs.
    #[error("invalid manifest `{}`: {message}", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// `Debug` reads like `Display`, with the causes: `unwrap()` and `?` in `main` print `Debug`.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        module_registry_core::diag::debug_report(self, f)
    }
}
