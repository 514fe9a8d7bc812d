#!/usr/bin/env bash
# CI: the published crates are shippable.
#
#   scripts/ship-check.sh
#
#   1. every published crate folder has its README.md and the root's LICENSE-MIT and
#      LICENSE-APACHE (cargo package takes files from the crate folder only);
#   2. `rust-version` is true: the toolchain it names (installed with rustup if missing) checks
#      every published crate with the locked dependencies;
#   3. `cargo package` of the published crates: first without verification (manifests and file
#      lists), then verified, each built from its own tarball in dependency order. Packaging
#      path dependencies of the same workspace together needs cargo 1.89 or newer.
#
# A crate whose folder does not exist yet is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# The published crates as folder:package, lowest layer first.
published=(
    registry-core:module-registry-core
    registry-syntax:module-registry-syntax
    registry-macros:module-registry-macros
    registry:module-registry
    registry-build:module-registry-build
    bindings/c:module-registry-ffi
)

fail=0
packages=()
for entry in "${published[@]}"; do
    dir=${entry%%:*}
    package=${entry#*:}
    if [[ ! -f $dir/Cargo.toml ]]; then
        echo "ship-check: note: $dir/ has no Cargo.toml yet; skipping $package"
        continue
    fi
    packages+=(-p "$package")
    [[ -f $dir/README.md ]] || { echo "ship-check: $dir/README.md is missing" >&2; fail=1; }
    for license in LICENSE-MIT LICENSE-APACHE; do
        cmp -s "$license" "$dir/$license" ||
            { echo "ship-check: $dir/$license is missing or differs from ./$license" >&2; fail=1; }
    done
done
((fail == 0)) || exit 1
if ((${#packages[@]} == 0)); then
    echo "ship-check: no published crate found" >&2
    exit 1
fi

msrv=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml)
if [[ -z $msrv ]]; then
    echo "ship-check: no rust-version in the root Cargo.toml" >&2
    exit 1
fi
echo "== rust-version $msrv: cargo +$msrv check ${packages[*]} --locked"
# `rustup run` fails if the toolchain is absent; installing only then keeps reruns offline.
rustup run "$msrv" rustc --version >/dev/null 2>&1 ||
    rustup toolchain install "$msrv" --profile minimal
cargo "+$msrv" check "${packages[@]}" --locked
# The code the derive generates (const requirement checks included) is checked too: the
# integration tests' modules compile with the same toolchain.
echo "== rust-version $msrv: the derive's expansion (cargo +$msrv check -p module-registry-tests --tests)"
cargo "+$msrv" check -p module-registry-tests --tests --locked

echo "== cargo package ${packages[*]}"
minor=$(cargo --version | sed -n 's/^cargo 1\.\([0-9]*\).*/\1/p')
if ((${minor:-0} < 89)); then
    echo "ship-check: $(cargo --version) cannot package path dependencies together; needs 1.89+" >&2
    exit 1
fi
cargo package "${packages[@]}" --allow-dirty --no-verify
# Verification unpacks each tarball into cargo's home through a local registry and builds it in
# the target directory, and cargo takes a registry package of a version it already has as
# unchanged: what an earlier run of this script left (its unpacked sources, its builds) would
# stand in for today's sources. Those registries are named after their path (`-<hash>`),
# crates.io's is not.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/module-registry-* \
    "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/-*/module-registry-*
cargo clean --quiet "${packages[@]}"
cargo package "${packages[@]}" --allow-dirty
target=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
for entry in "${published[@]}"; do
    for crate in "$target/package/${entry#*:}"-[0-9]*.crate; do
        if [[ -f $crate ]]; then
            echo "$(du -h "$crate" | cut -f1)  $(tar -tzf "$crate" | wc -l) files  ${crate##*/}"
        fi
    done
done
