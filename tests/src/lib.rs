//! Cross-crate integration tests of module-registry; the tests are in `tests/`.
//!
//! This library holds the helpers that several test binaries share. It declares no module on
//! purpose: a `#[derive(Module)]` here would be linked into the registry of every test binary
//! that uses the library. Linked modules shared by several binaries live in
//! `tests/fixtures/`, which each binary includes by name.

pub mod events;
pub mod inspect;
pub mod probe;
pub mod rng;
