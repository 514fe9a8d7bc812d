//! Empty: the benchmark is in `benches/async_boot.rs`.
