#!/usr/bin/env bash
# Regenerates docs/module_graph.svg from the demo host's linked modules (needs Graphviz `dot`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -p host -- --graph > target/module_graph.dot
dot -Tsvg target/module_graph.dot > docs/module_graph.svg
echo "wrote docs/module_graph.svg"
