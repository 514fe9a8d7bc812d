//! The expansion is clean under strict lints in the user's crate.
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unreachable_pub,
    rust_2018_idioms
)]
#![deny(missing_debug_implementations, non_upper_case_globals, trivial_casts)]
#![deny(unused_results, single_use_lifetimes, elided_lifetimes_in_paths)]

use module_registry::{Context, Lifecycle, Module, ModuleError};

/// A trait other modules reach.
pub trait Api: Send + Sync {}

/// Storage.
#[derive(Module, Default, Debug)]
#[module(version = "1.0.0", provides = [dyn Api])]
pub struct Storage;

impl Api for Storage {}

/// Cache.
#[derive(Module, Debug)]
#[module(depends_on = [Storage = "^1"], create = Cache::new, lifecycle)]
pub struct Cache {
    _storage: std::sync::Arc<Storage>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            _storage: ctx.dep::<Storage>(),
        })
    }
}

impl Lifecycle for Cache {}

fn main() {}
