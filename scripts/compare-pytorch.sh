#!/usr/bin/env bash
# Runs the PyTorch yardstick (../shared/bench/torch_ibp.py) and our ibp-bench back to back on this machine and
# prints both with the ratio ours / PyTorch for the IBP step, the nominal step and IBP verification.
# Set-up once per machine (large download):
#   python3 -m venv ../torchenv && ../torchenv/bin/pip install -q torch numpy
# Usage: scripts/compare-pytorch.sh [--models small,medium] [--repeats N] [--threads N]
# --threads (default 2) goes to both sides; on a machine busy with other jobs PyTorch's OpenMP threads spin
# against them and its 2-thread numbers collapse, so --threads 1 then gives the fairer per-core ratio.
# Environment: TORCH_PYTHON (default ../torchenv/bin/python), SCRATCH (default .build).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

models=""
repeats=""
threads=""
usage="usage: scripts/compare-pytorch.sh [--models small,medium] [--repeats N] [--threads N]"
split_equals "$@"
set -- ${SPLIT_ARGS[@]+"${SPLIT_ARGS[@]}"}
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) script_help; exit 0 ;;
        --models) need_value "$@"; once --models "$models"; models=$2; shift 2 ;;
        --repeats) need_value "$@"; once --repeats "$repeats"; repeats=$2; shift 2 ;;
        --threads) need_value "$@"; once --threads "$threads"; threads=$2; shift 2 ;;
        -*) usage_error "unknown option $1; $usage" ;;
        *) usage_error "unexpected argument '$1' (this script takes only options); $usage" ;;
    esac
done
models=${models:-small,medium}
repeats=${repeats:-5}
threads=${threads:-2}
[[ "$models" =~ ^(small|medium)(,(small|medium))*$ ]] || usage_error "--models takes small and/or medium, got '$models'"
require_count "$repeats" --repeats 1000 "as ibp-bench takes"
require_count "$threads" --threads 8 "as ibp-bench takes"

torch_python=${TORCH_PYTHON:-../torchenv/bin/python}
scratch=${SCRATCH:-.build}
[ -x "$torch_python" ] || die "no PyTorch at $torch_python: python3 -m venv ../torchenv && ../torchenv/bin/pip install -q torch numpy"

swift build -c release --scratch-path "$scratch" --product ibp-bench >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "PyTorch ($models)..." >&2
"$torch_python" ../shared/bench/torch_ibp.py --models "$models" --threads "$threads" --reps "$repeats" --json > "$out/torch.json"
echo "ibp-bench ($models)..." >&2
"$scratch/release/ibp-bench" --json --models "$models" --repeats "$repeats" --threads "$threads" > "$out/ours.json"
# The table: medians side by side and ours / PyTorch (stdlib python only).
python3 - "$out/torch.json" "$out/ours.json" <<'PY'
import json
import sys

# PyTorch's measure label -> ibp-bench's measure name (both in samples or images per second).
# ibp-train-step-bf16 (train --precision bf16, where the CPU has AVX512_BF16) is set beside PyTorch's float32 step.
MEASURES = [("IBP train step", "ibp-train-step"), ("IBP train step", "ibp-train-step-bf16"),
            ("nominal train step", "nominal-train-step"), ("IBP verify (batch 1000)", "ibp-verify")]


def main():
    torch, ours = (json.load(open(path)) for path in sys.argv[1:3])
    theirs = {(r["model"], r["measure"]): r for r in torch["rows"]}
    mine = {(r["model"], r["measure"]): r for r in ours["rows"]}
    models = sorted({r["model"] for r in torch["rows"]}, key=lambda m: ["small", "medium"].index(m)
                    if m in ("small", "medium") else 9)
    print(f"{ours.get('cpu', ours.get('machine', '?'))}, {ours.get('date', '?')}")
    print(f"ours: GEMM kernel {ours.get('gemmKernel', '?')}, OpenBLAS {ours.get('blas', '?')}; "
          f"torch {torch['info']['torch']} ({torch['info']['threads']} threads)")
    print(f"{'model':8s}{'measure':22s}{'PyTorch':>12s}{'ours':>12s}{'ours/PyTorch':>14s}")
    for model in models:
        for torch_name, our_name in MEASURES:
            t, o = theirs.get((model, torch_name)), mine.get((model, our_name))
            if not t or not o:
                continue
            print(f"{model:8s}{our_name:22s}{t['median']:12.0f}{o['median']:12.0f}{o['median'] / t['median']:13.2f}x")
    print("ibp-bench, every row of the same run:")
    for r in ours["rows"]:
        print(f"  {r['model']:9s}{r['measure']:24s}{r['median']:12.1f}{r['min']:12.1f}{r['max']:12.1f}  {r['unit']}")
    peak = mine.get(("machine", "sgemm-peak"))
    other = next((r for (m, name), r in mine.items()
                  if m == "machine" and name not in ("sgemm-peak", "bf16-sgemm-peak")), None)
    gflops = mine.get(("small", "ibp-train-gflops"))
    if peak and gflops:
        line = (f"small IBP step: {gflops['median']:.1f} GFLOP/s = {100 * gflops['median'] / peak['median']:.0f}% "
                f"of the sgemm peak of the kernel the layers use ({peak['median']:.1f} GFLOP/s)")
        if other:
            line += (f", {100 * gflops['median'] / other['median']:.0f}% of the other kernel's "
                     f"({other['measure']}: {other['median']:.1f} GFLOP/s)")
        print(line)


if __name__ == "__main__":
    main()
PY
