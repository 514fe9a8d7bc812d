#!/usr/bin/env bash
# The platforms beside Linux, run here:
#   1. wasm32-wasip1: the portable example's programs, run under Node's WASI;
#   2. wasm32-unknown-unknown: the same programs build;
#   3. Windows (x86_64-pc-windows-gnu, linked by mingw-w64): the programs run under Wine;
#   4. FreeBSD and macOS (aarch64-apple-darwin): the runtime and the build check compile.
# Installs the rustup targets and Debian's mingw-w64 and Wine when missing; can run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
target=${CARGO_TARGET_DIR:-$PWD/target}

installed=$(rustup target list --installed)
for t in wasm32-wasip1 wasm32-unknown-unknown x86_64-pc-windows-gnu x86_64-unknown-freebsd aarch64-apple-darwin; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64 wine64 >/dev/null
fi
command -v node >/dev/null || { echo "ci-platforms: needs Node.js (node:wasi)" >&2; exit 1; }

echo "== wasm32-wasip1 under Node's WASI"
cargo build --locked -p portable --target wasm32-wasip1 --bins
for program in portable explicit; do
    node --no-warnings scripts/run-wasi.mjs "$target/wasm32-wasip1/debug/$program.wasm"
done

echo "== wasm32-unknown-unknown builds"
cargo build --locked -p portable --target wasm32-unknown-unknown --bins

echo "== x86_64-pc-windows-gnu under Wine"
cargo build --locked -p portable --target x86_64-pc-windows-gnu --bins
windows=$target/x86_64-pc-windows-gnu/debug
# Debian's Wine 8 lacks bcryptprimitives.dll, which Rust's standard library loads; a stand-in
# built here sits next to the programs.
x86_64-w64-mingw32-gcc -shared -O2 -o "$windows/bcryptprimitives.dll" \
    scripts/wine/bcryptprimitives.c -ladvapi32
for program in portable explicit; do
    WINEDEBUG=-all wine "$windows/$program.exe"
done

echo "== FreeBSD and macOS compile"
for t in x86_64-unknown-freebsd aarch64-apple-darwin; do
    cargo check --locked -p module-registry -p module-registry-build --target "$t"
done
echo "platforms: all passed"
