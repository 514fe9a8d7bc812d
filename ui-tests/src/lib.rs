//! Compile-fail and compile-pass tests of `#[derive(Module)]`; see `tests/compiletest.rs`.
