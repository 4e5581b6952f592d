#!/usr/bin/env bash
# Builds the libFuzzer targets and fuzzes one parser. Usage: Fuzz/run.sh checkpoint|npz|idx|onnx|vnnlib [SECONDS] [libFuzzer flags...]
# The corpus grows in .build-fuzz/corpus/KIND (seeded from Fuzz/Seeds/KIND); crashing, leaking or slow
# inputs are written to .build-fuzz/artifacts/KIND/ (copy them to Tests/IBPFormatsTests/Regressions/).
set -euo pipefail
cd "$(dirname "$0")"
usage() { echo "run.sh: error: $*; usage: Fuzz/run.sh checkpoint|npz|idx|onnx|vnnlib [SECONDS] [libFuzzer flags...]" >&2; exit 64; }
[ $# -ge 1 ] || usage "give the parser to fuzz"
kind="$1"
case "$kind" in checkpoint|npz|idx|onnx|vnnlib) ;; *) usage "unknown parser '$kind'" ;; esac
seconds="${2:-600}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage "SECONDS must be a positive integer, got '$seconds'"
shift $(( $# < 2 ? $# : 2 ))
scratch=../.build-fuzz
# ld.gold fails with an internal error on these links; lld links them.
swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld --scratch-path "$scratch" --product "fuzz-$kind"
mkdir -p "$scratch/corpus/$kind" "$scratch/artifacts/$kind"
# The VNN-COMP seeds (the convnets, 47 KB; an MNIST property, 70 KB) need longer inputs than the other formats.
case "$kind" in
  onnx) max_len=65536 ;;
  vnnlib) max_len=131072 ;;
  *) max_len=16384 ;;
esac
# -timeout 10: far above the readers' milliseconds, but below what a busy 2-core machine stalls a run for.
exec "$scratch/release/fuzz-$kind" "$scratch/corpus/$kind" "Seeds/$kind" \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$scratch/artifacts/$kind/" -print_final_stats=1 "$@"
