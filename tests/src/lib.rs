//! Cross-crate integration tests of module-registry; the tests are in `tests/`.
//!
//! This library holds the helpers that several test binaries share. It declares no module on
//! purpose: a `#[derive(Module)]` here would be linked into the registry of every test binary
//! that uses the library. Linked modules shared by several binaries live in
//! `tests/tests/fixtures/`; a binary includes the files it wants as
//! `pub mod fixtures { pub mod example; }`, public so that the parts it does not use are not
//! dead code.

pub mod events;
pub mod inspect;
pub mod probe;
pub mod rng;
