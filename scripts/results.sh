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
for ckpt in sample_data/checkpoints/*.ckpt; do
  name=$(basename "$ckpt" .ckpt)
  .build/release/evaluate "$ckpt" "${eps[@]}" --data "$data" --json > "$out/$name.json"
done
small=(sample_data/checkpoints/small-*.ckpt)
if [ -e "${small[0]}" ]; then
  .build/release/evaluate "${small[@]}" "${eps[@]}" --data "$data" --pgd-steps 20 --plot docs/verified-vs-epsilon.png > /dev/null
fi
python3 scripts/results_table.py "$out" README.md
