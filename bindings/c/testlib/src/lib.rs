//! The library the C test links: the C ABI, the demo's pipeline and metrics plugins, and a
//! processor that panics on demand, to show that no panic crosses the boundary.

// Nothing here names the plugins' types, so each crate is named to be linked, with its modules.
extern crate demo_metrics as _;
extern crate demo_pipeline as _;
extern crate module_registry_ffi as _;

use module_registry::{Module, ModuleError, Processor};

/// Passes bytes through, and panics on `boom`.
#[derive(Module, Default)]
#[module(name = "fuse", version = "0.1.0", kind = DataProcessor, provides = [dyn Processor])]
pub struct Fuse;

impl Processor for Fuse {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        assert!(data != b"boom", "the fuse blew on {data:?}");
        Ok(data.to_vec())
    }
}
