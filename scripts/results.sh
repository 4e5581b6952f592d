#!/usr/bin/env bash
# Evaluates every shipped checkpoint at eps 0.1, 0.2, 0.3, 0.4 on all 10,000 MNIST test images (nominal,
# PGD-20 with seed 0, IBP-verified), draws docs/verified-vs-epsilon.png for the `small` models, and rewrites the
# results table in README.md between its markers. Usage: scripts/results.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${IBP_DATA:-data/mnist}}"
swift build -c release --product evaluate
out=docs/results
mkdir -p "$out"
eps=(--epsilon 0.1 --epsilon 0.2 --epsilon 0.3 --epsilon 0.4)
.build/release/evaluate sample_data/checkpoints/small-*.ckpt "${eps[@]}" --data "$data" --json \
  --plot docs/verified-vs-epsilon.png > "$out/small.json"
.build/release/evaluate sample_data/checkpoints/vissmall-*.ckpt "${eps[@]}" --data "$data" --json > "$out/vissmall.json"
# The seed's own Chainer checkpoints, for comparison, where ../shared/seed is beside the project.
if [ -d ../shared/seed ]; then
  .build/release/evaluate ../shared/seed/vissmall_baseline_10000.npz ../shared/seed/vissmall_eps01_10000.npz \
    "${eps[@]}" --data "$data" --json > "$out/seed.json"
fi
python3 scripts/results_table.py "$out" README.md
