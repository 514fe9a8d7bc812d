//! The demo's plugins as the Python package `module_registry_demo`: the classes of
//! `module-registry-python` over a registry that links storage, cache, pipeline and metrics.

// Nothing here names the plugins' types, so each crate is named to be linked, with its modules.
extern crate demo_cache as _;
extern crate demo_metrics as _;
extern crate demo_pipeline as _;
extern crate demo_storage as _;

use pyo3::prelude::*;

/// The module-registry demo's plugins: `Registry().boot()` starts them.
#[pymodule]
fn module_registry_demo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    module_registry_python::init(m)
}
