//! A program that lists its modules itself with `modules![...]` and never calls
//! `link_modules!()`: it needs no build script's list on any platform.

use module_registry::{modules, Module};
use portable_plugin::Store;

/// Counts what the store keeps.
#[derive(Module, Default)]
#[module(depends_on = [Store])]
pub struct Counter;

fn main() {
    let registry = modules![Counter, Store];
    let valid = registry.validate().is_ok();
    let booted = registry.boot().map(|runtime| {
        let found = runtime.get::<Counter>().is_some() && runtime.get::<Store>().is_some();
        found && runtime.shutdown().is_ok()
    });
    let passed = usize::from(valid) + usize::from(matches!(booted, Ok(true)));
    println!("{passed} passed, {} failed", 2 - passed);
    if passed != 2 {
        std::process::exit(1);
    }
}
