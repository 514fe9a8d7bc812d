//! Python classes over [`module_registry`], for a PyO3 extension module that links its own
//! module crates (see `demo/` for one):
//!
//! ```ignore
//! extern crate my_plugins as _; // linked, so that its modules are in the registry
//!
//! #[pyo3::pymodule]
//! fn my_package(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
//!     module_registry_python::init(m)
//! }
//! ```
//!
//! The Python names: `Registry` (the linked modules) with `modules`, `find`,
//! `with_capability`, `validate`, `init_order` and `boot`; `Runtime` with `process`,
//! `pipeline` and `shutdown`; `ModuleRegistry` (the dynamic registry) with `register`,
//! `discover`, `discover_capabilities` and `create`, where a Python class with
//! `process(self, data: bytes) -> bytes` is a module; `DiscoveryQuery` and `CapabilityQuery`;
//! and `ModuleRegistryError` and its subclasses, which carry the error's code. Booting,
//! creating and processing release the GIL.
#![deny(missing_docs)]

mod dynamic;
mod error;
mod info;
mod runtime;

use pyo3::prelude::*;
use pyo3::types::PyType;

/// Adds every class and exception of the bindings to `m`, the extension module.
pub fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let types: Vec<Bound<'_, PyType>> = vec![
        py.get_type::<info::Module>(),
        py.get_type::<info::Dependency>(),
        py.get_type::<runtime::Registry>(),
        py.get_type::<runtime::Runtime>(),
        py.get_type::<dynamic::ModuleRegistry>(),
        py.get_type::<dynamic::ModuleInstance>(),
        py.get_type::<dynamic::DiscoveryQuery>(),
        py.get_type::<dynamic::CapabilityQuery>(),
        py.get_type::<dynamic::ModuleHandle>(),
        py.get_type::<error::ModuleRegistryError>(),
        py.get_type::<error::ValidationError>(),
        py.get_type::<error::NotFoundError>(),
        py.get_type::<error::BootError>(),
        py.get_type::<error::ModuleFailedError>(),
        py.get_type::<error::ShutdownError>(),
    ];
    // The classes are defined once for every package that links these bindings: each takes
    // the name of the package that exposes it (`pkg`, not the extension `pkg.pkg` maturin
    // places inside it).
    let module_name = m.name()?.to_string();
    let package = module_name
        .split('.')
        .next()
        .unwrap_or(&module_name)
        .to_owned();
    for ty in types {
        ty.setattr("__module__", &package)?;
        m.add(ty.name()?, ty)?;
    }
    Ok(())
}
