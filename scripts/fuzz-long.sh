#!/usr/bin/env bash
# The long fuzzing campaign: every target of fuzz/ for FUZZ_SECONDS (default 600) each, one
# after the other (each on one core, under `nice`), with a 10 s limit per input. The seeds in
# fuzz/corpus/<target> are read, never written: what the fuzzer finds goes to a working corpus
# under $FUZZ_WORK. Prints one summary line per target (runs, seconds, findings); a finding
# leaves its input in fuzz/artifacts/<target>/ and makes the script fail.
#
#   bash scripts/fuzz-long.sh                     # all four targets, 10 minutes each
#   FUZZ_SECONDS=3600 bash scripts/fuzz-long.sh dynamic_model
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-600}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/../target}/fuzz
WORK=${FUZZ_WORK:-$CARGO_TARGET_DIR/corpus}
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(module_attr build_scan dynamic_model req_semver)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
failed=0
for t in "${TARGETS[@]}"; do
    mkdir -p "$WORK/$t"
    log="$WORK/$t.log"
    nice -n 10 cargo +nightly fuzz run -O "$t" "$WORK/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+')
    findings=$(ls "artifacts/$t" 2>/dev/null | grep -cE '^(crash|timeout|oom|leak)-' || true)
    echo "$t: status $status, ${runs:-?} runs in ${secs:-?} s, corpus $(ls "$WORK/$t" | wc -l) inputs, findings in artifacts/$t: $findings"
    [ "$status" -eq 0 ] || failed=1
done
exit $failed
