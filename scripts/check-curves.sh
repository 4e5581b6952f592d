#!/usr/bin/env bash
# Checks that `visualize curves`' bisection (CurveEvaluator) gives, for every test image and every eps of the grid,
# the IBP verdict that bounding that eps gives (the brute force), on the shipped small checkpoints or the models
# named. Too long for `swift test` (46 bound passes per image and model: about 1.4M bound computations for three
# models on all 10,000 test images), so it is this script: it runs the skipped-by-default CurveBisectionMeasurement.
#   scripts/check-curves.sh MNIST_DIR [MODEL ...]
# Optional: IBP_CURVES_LIMIT=N (the first N test images), IBP_CURVES_EPSILONS (default 0:0.45:0.01).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
positional_only 1000 "usage: scripts/check-curves.sh MNIST_DIR [MODEL ...]" "$@"
[ $# -ge 1 ] || usage_error "needs the MNIST folder (usage: scripts/check-curves.sh MNIST_DIR [MODEL ...])"
data=$1
shift
require_mnist "$data" t10k
data=$(cd "$data" && pwd)
models=()
for m in "$@"; do
  [ -f "$m" ] || die "$m: no such model file"
  models+=("$(cd "$(dirname "$m")" && pwd)/$(basename "$m")")
done
cd "$(dirname "$0")/.."
if [ ${#models[@]} -eq 0 ]; then
  models=("$PWD/sample_data/checkpoints/small-nominal.ckpt" "$PWD/sample_data/checkpoints/small-ibp-eps0.2.ckpt"
          "$PWD/sample_data/checkpoints/small-ibp-eps0.4.ckpt")
fi
list=$(IFS=,; echo "${models[*]}")
IBP_MNIST=$data IBP_CURVES_CHECKPOINTS=$list \
  swift test --filter CurveBisectionMeasurement 2>&1 | grep -E "differs|differing|certified per eps|error|passed|failed"
