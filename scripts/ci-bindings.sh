#!/usr/bin/env bash
# The bindings, each tested by its own tools:
#   1. C: the checked-in header matches cbindgen's output; a C program compiled by the system C
#      compiler uses the whole ABI, under valgrind (no error, no leak).
#   2. Python: a wheel of the demo package built by maturin, installed into a venv, and pytest.
# Installs what it needs (maturin and pytest, into a venv under the target directory) and can
# run again without cleaning. Needs gcc, valgrind and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never
target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target

echo "== C ABI: header, library, C test under valgrind"
cargo test -p module-registry-ffi --locked
cargo build -p module-registry-ffi-testlib --locked
mkdir -p "$target/c-test"
gcc -std=c11 -Wall -Wextra -Werror -g \
    -I bindings/c/include bindings/c/tests/c/test_api.c \
    -L "$target/debug" -lmodule_registry_ffi_testlib -Wl,-rpath,"$target/debug" \
    -o "$target/c-test/test_api"
# The test library's `fuse` processor panics on purpose; its backtrace is noise here.
RUST_BACKTRACE=0 valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=1 --suppressions=bindings/c/tests/c/valgrind.supp \
    "$target/c-test/test_api" 2> "$target/c-test/valgrind.log" || {
    cat "$target/c-test/valgrind.log"
    echo "C test failed under valgrind" >&2
    exit 1
}
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|All heap blocks" \
    "$target/c-test/valgrind.log"

echo "== Python: wheel built by maturin, pytest"
venv=$target/bindings-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.7,<2" "pytest>=8"
wheels=$target/wheels
rm -rf "$wheels"
"$venv/bin/maturin" build --locked -m bindings/python/demo/Cargo.toml --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall \
    --no-deps "$wheels"/module_registry_demo-*.whl
# Run from outside the source tree so that the installed wheel, not a source folder, is tested;
# an empty run (pytest's exit code 5) fails this script like any other failure.
(cd "$target" && "$venv/bin/python" -m pytest -p no:cacheprovider -q "$root/bindings/python/tests")

echo "== Python: the snippet of bindings/python/README.md, as written"
snippet=$(mktemp -d)
trap 'rm -rf "$snippet"' EXIT
"$venv/bin/python" - bindings/python/README.md > "$snippet/snippet.py" <<'PY'
import re, sys
blocks = re.findall(r"```python\n(.*?)```", open(sys.argv[1]).read(), re.S)
if not blocks:
    sys.exit("no python block in " + sys.argv[1])
print(blocks[0], end="")
PY
(cd "$snippet" && "$venv/bin/python" snippet.py)
echo "bindings: all passed"
