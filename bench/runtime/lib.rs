//! Empty: the benchmarks are in `benches/`. See `scripts/bench.sh`.
