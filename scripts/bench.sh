#!/usr/bin/env bash
# Runs every benchmark of module-registry and rewrites BENCHMARKS.md at the repository root.
#
#   scripts/bench.sh            # measure everything, then write the report
#   scripts/bench.sh --report   # only rewrite BENCHMARKS.md from the last measurements
#
# 10-20 minutes on 2 cores, most of it building fixtures of 10,000 modules. Needs hyperfine
# and binutils (`apt-get install -y hyperfine binutils`). Everything is built in target-bench/
# (gitignored; override with CARGO_TARGET_DIR), under `nice`, so a shared machine stays usable;
# the measurements themselves run at normal priority, and compile times are taken interleaved
# (derive, linkme, inventory, derive, ...) so that background load hits every form alike.
#
# What runs:
#   1. bench/runtime/benches/registry_{10,1000,10000}.rs (divan): get, runtime.get, find,
#      with_capability, boot and shutdown, each beside its peers; bench/runtime/benches/dynamic.rs:
#      the dynamic registry's register, discover and memory. bench/ is a workspace of its own
#      (its own Cargo.lock), so the root's `cargo test --workspace` builds none of it.
#   2. bench/gen writes a workspace of standalone crates (target-bench/gen): the same modules as
#      #[derive(Module)], hand-written linkme statics and inventory::submit!, as binaries of
#      1,000 and 10,000 modules (start-up with hyperfine, size per module with `size`) and as
#      libraries of 1,000 modules (compile time, clean and incremental, debug).
#   3. registry-bench-gen report: BENCHMARKS.md, with bench/analysis.md appended.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target-bench}"
results=$CARGO_TARGET_DIR/results
gen=$CARGO_TARGET_DIR/gen
gen_target=$CARGO_TARGET_DIR/gen-target
clean_runs=${CLEAN_RUNS:-5}
incr_runs=${INCR_RUNS:-10}
mkdir -p "$results"
for tool in hyperfine size; do
    command -v "$tool" >/dev/null || {
        echo "bench.sh: needs $tool (apt-get install -y hyperfine binutils)" >&2
        exit 1
    }
done
build() { nice -n 10 "$@"; }
packages() { for p in "$@"; do printf -- '-p\n%s\n' "$p"; done; }

report() {
    cd "$root"
    cp bench/analysis.md "$results/notes.md"
    "$genbin" report "$results" BENCHMARKS.md
    echo "wrote BENCHMARKS.md"
}
genbin=$CARGO_TARGET_DIR/release/registry-bench-gen
if [[ ${1:-} == --report ]]; then
    build cargo build --release --quiet --manifest-path bench/gen/Cargo.toml
    report
    exit
fi

echo "== machine"
{
    echo "$(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p'), L2 $(lscpu | sed -n 's/^L2 cache: *//p'), L3 $(lscpu | sed -n 's/^L3 cache: *//p')"
    echo "$(rustc -V); $(cargo -V); hyperfine $(hyperfine --version | cut -d' ' -f2)"
    echo "load average when the run started: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the 2 cores)"
    echo "date: $(date -u +%F)"
} >"$results/machine.txt"
cat "$results/machine.txt"

echo "== generator"
build cargo build --release --quiet --manifest-path bench/gen/Cargo.toml

echo "== run-time benchmarks (divan), one binary per registry size"
runtime=(--manifest-path bench/Cargo.toml -p registry-bench-runtime)
build cargo bench "${runtime[@]}" --no-run \
    --bench registry_10 --bench registry_1000 --bench registry_10000 --bench dynamic
for n in 10 1000 10000; do
    cargo bench "${runtime[@]}" --bench "registry_$n" -- --color never |
        tee "$results/divan-$n.txt"
done
echo "== dynamic registry (divan), 10,000 modules"
cargo bench "${runtime[@]}" --bench dynamic -- --color never |
    tee "$results/divan-dynamic.txt"

echo "== standalone crates"
"$genbin" crates "$gen" "$root"
cd "$gen"
apps=(app-empty)
for form in derive linkme inventory; do
    for n in 1000 10000; do apps+=("app-$form-$n"); done
done
mapfile -t app_args < <(packages "${apps[@]}")
build cargo build --release --quiet --target-dir "$gen_target" "${app_args[@]}"
bin=$gen_target/release

echo "== process start-up"
hyperfine -N --warmup 20 --runs 300 --export-csv "$results/startup.csv" \
    -n empty "$bin/app-empty" \
    -n derive-10000 "$bin/app-derive-10000" \
    -n linkme-10000 "$bin/app-linkme-10000" \
    -n inventory-10000 "$bin/app-inventory-10000"
for app in app-empty app-derive-10000 app-linkme-10000 app-inventory-10000; do
    printf '%s' "$app"
    for _ in $(seq 51); do printf ' %s' "$("$bin/$app" --print)"; done
    echo
done >"$results/startup-inproc.txt"

echo "== binary size"
: >"$results/sizes.txt"
for app in "${apps[@]:1}"; do
    echo "$app file $(stat -c %s "$bin/$app")" >>"$results/sizes.txt"
    size -A -d "$bin/$app" | awk -v app="$app" 'NF == 3 && $2 ~ /^[0-9]+$/ { print app, $1, $2 }' \
        >>"$results/sizes.txt"
done

echo "== compile time (debug), interleaved"
libs=(compile-derive-1000 compile-linkme-1000 compile-inventory-1000)
mapfile -t lib_args < <(packages "${libs[@]}")
build cargo build --quiet --target-dir "$gen_target" "${lib_args[@]}" # dependencies
now() { date +%s%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
toggle() { # swaps the edit marker of one module's description, in one of the 10 files
    sed -i -e 's/edit-here-a/edit-here-X/g' -e 's/edit-here-b/edit-here-a/g' \
        -e 's/edit-here-X/edit-here-b/g' "$1/src/p005.rs"
}
declare -A clean incr
for ((i = 0; i < clean_runs; i++)); do
    for lib in "${libs[@]}"; do
        cargo clean --quiet --target-dir "$gen_target" -p "$lib"
        t0=$(now)
        build cargo build --quiet --target-dir "$gen_target" -p "$lib"
        clean[$lib]+=" $(since "$t0")"
    done
done
for ((i = 0; i < incr_runs; i++)); do
    for lib in "${libs[@]}"; do
        toggle "$lib"
        t0=$(now)
        build cargo build --quiet --target-dir "$gen_target" -p "$lib"
        incr[$lib]+=" $(since "$t0")"
    done
done
rm -f "$results"/compile-*.txt.new
for lib in "${libs[@]}"; do
    form=${lib#compile-}
    form=${form%-1000}
    echo "$form${clean[$lib]}" >>"$results/compile-clean.txt.new"
    echo "$form${incr[$lib]}" >>"$results/compile-incr.txt.new"
done
mv "$results/compile-clean.txt.new" "$results/compile-clean.txt"
mv "$results/compile-incr.txt.new" "$results/compile-incr.txt"
cat "$results/compile-clean.txt" "$results/compile-incr.txt"

echo "== report"
report
