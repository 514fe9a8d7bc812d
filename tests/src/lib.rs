//! Cross-crate integration tests of module-registry; the tests are in `tests/`.
