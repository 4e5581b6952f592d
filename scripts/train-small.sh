#!/usr/bin/env bash
# Trains the paper's `small` model three ways with the paper's schedule (60,000 steps, batch 100):
# nominal, IBP with eps-train 0.2 and IBP with eps-train 0.4, then copies the final weights to
# sample_data/checkpoints. Each run checkpoints every 1,000 steps; rerunning the script resumes
# unfinished runs (to STEPS, which may differ from the first start). Usage: scripts/train-small.sh [DATA_DIR] [STEPS]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
positional_only 2 "usage: scripts/train-small.sh [DATA_DIR] [STEPS]" "$@"
data=$(data_dir "${@:1:1}")
steps="${2-60000}"
require_count "$steps" STEPS 1000000000 "as train takes"
require_mnist "$data" train t10k
train=$(env_path "${TRAIN_BIN:-}" "")  # a path given is taken from the caller's folder
if [ -z "$train" ]; then swift build -c release --product train; train=.build/release/train; fi
run() {
  local name=$1; shift
  if [ -f "runs/$name/final.ckpt" ]; then echo "runs/$name is finished";
  elif [ -f "runs/$name/checkpoint.ckpt" ]; then "$train" --resume "runs/$name" --data "$data" --steps "$steps"
  else "$train" --model small --steps "$steps" --seed 1 --data "$data" --out "runs/$name" "$@"; fi
  install_file "runs/$name/final.ckpt" "sample_data/checkpoints/$name.ckpt"
  install_file "runs/$name/metrics.jsonl" "docs/training/$name/metrics.jsonl"
  install_file "runs/$name/curves.png" "docs/training/$name/curves.png"
}
run small-nominal --method nominal --eval-epsilon 0.1
# The shipped checkpoints were trained before the fast-training defaults (IBP init, smooth ramp, regularisers):
# these flags keep the recipe that made them.
gowal=(--init orthogonal --eps-schedule linear --reg-lambda 0)
run small-ibp-eps0.4 --method ibp --epsilon-train 0.4 --eval-epsilon 0.3 "${gowal[@]}"
run small-ibp-eps0.2 --method ibp --epsilon-train 0.2 --eval-epsilon 0.1 "${gowal[@]}"
