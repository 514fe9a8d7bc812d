#!/usr/bin/env bash
# The hardening pass of CI: every fuzz target for FUZZ_SECONDS (default 60), the runtime's and
# the dynamic registry's tests under AddressSanitizer (leaks included) and ThreadSanitizer, and
# the code Miri can run under Miri. Installs what it needs if missing (nightly's miri and
# rust-src, cargo-fuzz, llvm-symbolizer), prints the time of each step, fails on any finding.
# The long campaign is scripts/fuzz-long.sh; TESTING.md says what each pass covers.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
HOST=$(rustc -vV | sed -n 's/^host: //p')
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

step() {
    local name=$1 start=$SECONDS
    shift
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - start)) s"
}

install() {
    rustup component add miri rust-src --toolchain nightly
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    # Leak reports are matched against scripts/lsan-suppressions.txt by function name.
    command -v llvm-symbolizer >/dev/null || { apt-get update && apt-get install -y llvm; }
}

# The runtime's and the dynamic registry's tests (Miri cannot run the linker's slice: see
# `miri` below).
SANITIZED=(
    -p module-registry --lib
    -p module-registry-tests
    --test test_runtime --test test_failure --test test_subset_closure
    --test test_dynamic --test test_dynamic_concurrency --test test_create_failure_cleanup
    --test test_refusals_change_nothing --test test_dynamic_refusals
    --test test_dynamic_memory --test test_dynamic_threads
    --test test_panic_payload_escapes --test test_weak_references
)

asan() {
    CARGO_TARGET_DIR=$TARGET_DIR/asan RUSTFLAGS="-Zsanitizer=address" \
        ASAN_OPTIONS="detect_leaks=1" \
        LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan-suppressions.txt" \
        cargo +nightly test --target "$HOST" "${SANITIZED[@]}"
}

tsan() {
    # ThreadSanitizer needs std instrumented too: -Zbuild-std.
    CARGO_TARGET_DIR=$TARGET_DIR/tsan RUSTFLAGS="-Zsanitizer=thread" \
        TSAN_OPTIONS="halt_on_error=1" \
        cargo +nightly test -Zbuild-std --target "$HOST" "${SANITIZED[@]}"
}

miri() {
    # The static runtime finds instances by their descriptor's place in the linker's slice,
    # which Miri cannot see (`__start_linkme_MODULES`): its slot and pointer code runs here
    # through unit tests on a hand-made slot table; the dynamic registry runs whole.
    export CARGO_TARGET_DIR=$TARGET_DIR/miri MIRIFLAGS="-Zmiri-strict-provenance"
    cargo +nightly miri test -p module-registry --lib -- instance:: dynamic::state::
    cargo +nightly miri test -p module-registry-tests \
        --test test_dynamic_threads --test test_panic_payload_escapes --test test_weak_references \
        -- dynamic_ two_writers instances_made
    MIRIFLAGS="-Zmiri-many-seeds=0..8" \
        cargo +nightly miri test -p module-registry-tests --test test_dynamic_threads
}

fuzz() {
    export CARGO_TARGET_DIR=$TARGET_DIR/fuzz
    cargo +nightly fuzz build -O
    for target in module_attr build_scan dynamic_model req_semver; do
        mkdir -p "$CARGO_TARGET_DIR/corpus/$target"
        local log=$CARGO_TARGET_DIR/corpus/$target.log
        if ! cargo +nightly fuzz run -O "$target" "$CARGO_TARGET_DIR/corpus/$target" \
            "fuzz/corpus/$target" -- -max_total_time="$FUZZ_SECONDS" -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
            tail -n 60 "$log"
            echo "fuzz target $target found a problem: its input is in fuzz/artifacts/$target"
            exit 1
        fi
        echo "$target: $(grep -E '^Done [0-9]+ runs' "$log")"
    done
}

step install install
step "fuzz ($FUZZ_SECONDS s per target)" fuzz
step "AddressSanitizer" asan
step "ThreadSanitizer" tsan
step "Miri" miri
