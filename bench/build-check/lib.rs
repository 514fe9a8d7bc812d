//! Empty: the benchmark is `benches/check_10k.rs`. See `scripts/bench.sh`.
