#!/usr/bin/env bash
# Evaluates every shipped checkpoint at eps 0.1, 0.2, 0.3, 0.4 on all 10,000 MNIST test images (nominal,
# PGD-20 with seed 0, IBP- and CROWN-IBP-verified), draws docs/verified-vs-epsilon.png for the `small` models, and rewrites the
# results table in README.md between its markers. Usage: scripts/results.sh [DATA_DIR]
# Everything is written to a staging folder first and moved into place only when every step succeeded.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
positional_only 1 "usage: scripts/results.sh [DATA_DIR]" "$@"
data=$(data_dir "${@:1:1}")
require_mnist "$data" t10k
swift build -c release --product evaluate
out=docs/results
stage="$(mktemp -d "$out/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
eps=(--epsilon 0.1 --epsilon 0.2 --epsilon 0.3 --epsilon 0.4 --bounds ibp,crown-ibp)
.build/release/evaluate sample_data/checkpoints/small-*.ckpt "${eps[@]}" --data "$data" --json \
  --plot "$stage/verified-vs-epsilon.png" > "$stage/small.json"
.build/release/evaluate sample_data/checkpoints/vissmall-*.ckpt "${eps[@]}" --data "$data" --json > "$stage/vissmall.json"
# Issue 15's models (scripts/train-medium-bn.sh), once they are trained and shipped.
medium=(sample_data/checkpoints/medium-bn-*.ckpt)
if [ -f "${medium[0]}" ]; then
  .build/release/evaluate "${medium[@]}" "${eps[@]}" --data "$data" --json > "$stage/medium-bn.json"
fi
# The seed's own Chainer checkpoints, for comparison, where ../shared/seed is beside the project; otherwise the
# table keeps the rows of the last run that had them.
if [ -d ../shared/seed ]; then
  .build/release/evaluate ../shared/seed/vissmall_baseline_10000.npz ../shared/seed/vissmall_eps01_10000.npz \
    "${eps[@]}" --data "$data" --json > "$stage/seed.json"
  fresh_seed=1
elif [ -f "$out/seed.json" ]; then
  cp "$out/seed.json" "$stage/seed.json"
fi
python3 scripts/results_table.py "$stage" README.md --out "$stage/README.md"
# Every output is complete: rename each into place (same file system, so each is atomic).
mv -f "$stage/small.json" "$out/small.json"
mv -f "$stage/vissmall.json" "$out/vissmall.json"
if [ -f "$stage/medium-bn.json" ]; then mv -f "$stage/medium-bn.json" "$out/medium-bn.json"; fi
if [ -n "${fresh_seed:-}" ]; then mv -f "$stage/seed.json" "$out/seed.json"; fi
mv -f "$stage/verified-vs-epsilon.png" docs/verified-vs-epsilon.png
mv -f "$stage/README.md" README.md
