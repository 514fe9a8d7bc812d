//! `module-registry` benchmarks with 10 linked modules, each beside its peers.
//! Run everything with `scripts/bench.sh`; this binary alone with
//! `cargo bench --manifest-path bench/Cargo.toml -p registry-bench-runtime --bench registry_10`.

use registry_bench_n10 as fx;

#[path = "common/sized.rs"]
mod sized;

fn main() {
    sized::main();
}
