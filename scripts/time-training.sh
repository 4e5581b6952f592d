#!/usr/bin/env bash
# Times a full-schedule `small` IBP training (60,000 steps, batch 100, eps-train 0.4, with its evaluations every
# 2,000 steps) on this machine and prints the wall time the trainer logged (metrics.jsonl `seconds`).
# Usage: scripts/time-training.sh [DATA_DIR] [STEPS] [PRECISION]   (PRECISION fp32, the default, or bf16, which
# needs AVX512_BF16; about 12 minutes on 2 cores in fp32; writes runs/time-training)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
positional_only 3 "usage: scripts/time-training.sh [DATA_DIR] [STEPS] [PRECISION]" "$@"
data=$(data_dir "${@:1:1}")
steps="${2-60000}"
precision="${3-fp32}"
require_count "$steps" STEPS 1000000000 "as train takes"
[[ "$precision" =~ ^(fp32|bf16)$ ]] || usage_error "PRECISION is fp32 or bf16, got '$precision'"
require_mnist "$data" train t10k
swift build -c release --product train >&2
out=runs/time-training
rm -rf "$out"
.build/release/train --model small --method ibp --epsilon-train 0.4 --eval-epsilon 0.3 --steps "$steps" --seed 1 \
    --init orthogonal --eps-schedule linear --reg-lambda 0 --precision "$precision" \
    --data "$data" --out "$out" >&2
python3 - "$out/metrics.jsonl" "$steps" "$precision" <<'PY'
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1])]
last = rows[-1]
evals = [r for r in rows if r.get("type") == "eval"]
print(f"small IBP ({sys.argv[3]}), {sys.argv[2]} steps of batch 100: {last['seconds']:.1f} s ({last['seconds'] / 60:.1f} min) wall, "
      f"{int(sys.argv[2]) * 100 / last['seconds']:.0f} samples/s including evaluations; "
      f"last evaluation: nominal {100 * evals[-1]['nominalAccuracy']:.2f}%, "
      f"verified {100 * evals[-1]['verifiedAccuracy']:.2f}% at eps {evals[-1]['epsilon']} "
      f"({evals[-1]['count']} test images)")
PY
