//! A plugin crate whose modules the test binaries must see.
use module_registry::Module;

/// Stores things for the tests.
#[derive(Module, Default)]
#[module(kind = Storage, capabilities = ["storage", "persistence"])]
pub struct AlphaStore;

/// Nothing depends on this one, and the test binary does not name it: it is linked only
/// because the crate is.
#[derive(Module, Default)]
#[module(name = "alpha-leaf", version = "2.0.0-beta.1+build.5", capabilities = ["leaf"])]
pub struct Leaf;
