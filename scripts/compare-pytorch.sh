#!/usr/bin/env bash
# Runs the PyTorch yardstick (../shared/bench/torch_ibp.py) and our ibp-bench back to back on this machine and
# prints both with the ratio ours / PyTorch for the IBP step, the nominal step and IBP verification.
# Set-up once per machine (large download):
#   python3 -m venv ../torchenv && ../torchenv/bin/pip install -q torch numpy
# With --rounds R both run R times, taking turns (PyTorch, then ours), and each ratio is that of the two sides'
# medians over the rounds, with the range of the rounds' own ratios beside it: one burst of a neighbour on a shared
# host then moves one round, not the ratio. The table gives the speed issue's goal for each ratio, and what the goals
# need in GFLOP/s against the kernels' peaks measured in the same run (each model's FLOPs per sample as ibp-bench
# counts them), so a goal above what the machine can do shows as such.
# Usage: scripts/compare-pytorch.sh [--models small,medium] [--repeats N] [--threads N] [--rounds R]
# --threads (default 2) goes to both sides; on a machine busy with other jobs PyTorch's OpenMP threads spin
# against them and its 2-thread numbers collapse, so --threads 1 then gives the fairer per-core ratio.
# --rounds 2 is refused: the median of two rounds is their mean, which one slow round still moves.
# Environment: TORCH_PYTHON (default ../torchenv/bin/python from the repository; a path given is taken from the folder
# the script is started in), SCRATCH (default .build in the repository; a path given likewise).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

models=""
repeats=""
threads=""
rounds=""
usage="usage: scripts/compare-pytorch.sh [--models small,medium] [--repeats N] [--threads N] [--rounds R]"
split_equals "$@"
set -- ${SPLIT_ARGS[@]+"${SPLIT_ARGS[@]}"}
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) script_help; exit 0 ;;
        --models) need_value "$@"; once --models "$models"; models=$2; shift 2 ;;
        --repeats) need_value "$@"; once --repeats "$repeats"; repeats=$2; shift 2 ;;
        --threads) need_value "$@"; once --threads "$threads"; threads=$2; shift 2 ;;
        --rounds) need_value "$@"; once --rounds "$rounds"; rounds=$2; shift 2 ;;
        -*) usage_error "unknown option $1; $usage" ;;
        *) usage_error "unexpected argument '$1' (this script takes only options); $usage" ;;
    esac
done
models=${models:-small,medium}
repeats=${repeats:-5}
threads=${threads:-2}
rounds=${rounds:-1}
[[ "$models" =~ ^(small|medium)(,(small|medium))*$ ]] || usage_error "--models takes small and/or medium, got '$models'"
# A model named twice was refused by ibp-bench only, after the release build and a PyTorch round.
seen=","
IFS=, read -ra listed <<< "$models"
for model in "${listed[@]}"; do
    case "$seen" in *",$model,"*) usage_error "--models names $model twice in '$models'; give each once" ;; esac
    seen="$seen$model,"
done
require_count "$repeats" --repeats 1000 "as ibp-bench takes"
require_count "$threads" --threads 8 "as ibp-bench takes"
require_count "$rounds" --rounds 20
[ "$rounds" != 2 ] ||
    usage_error "--rounds 2 gives the mean of two rounds, which one slow round still moves; give 1, or 3 or more"

torch_python=$(env_path "${TORCH_PYTHON:-}" ../torchenv/bin/python)
scratch=$(env_path "${SCRATCH:-}" .build)
# Checked before the release build: a Python without torch failed after it, in a traceback.
if ! { [ -x "$torch_python" ] || command -v "$torch_python" >/dev/null; } ||
   ! "$torch_python" -c "import torch" 2>/dev/null; then
    die "no PyTorch at ${TORCH_PYTHON:-$torch_python}: python3 -m venv ../torchenv && ../torchenv/bin/pip install -q torch numpy"
fi

swift build -c release --scratch-path "$scratch" --product ibp-bench >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds: PyTorch ($models)..." >&2
    "$torch_python" ../shared/bench/torch_ibp.py --models "$models" --threads "$threads" --reps "$repeats" --json \
        > "$out/torch-$round.json"
    echo "round $round of $rounds: ibp-bench ($models)..." >&2
    "$scratch/release/ibp-bench" --json --models "$models" --repeats "$repeats" --threads "$threads" \
        > "$out/ours-$round.json"
done
# The table: medians side by side and ours / PyTorch (stdlib python only).
python3 - "$out" "$rounds" <<'PY'
import json
import os
import sys

# PyTorch's measure label -> ibp-bench's measure name (both in samples or images per second).
# ibp-train-step-bf16 (train --precision bf16, where the CPU has AVX512_BF16) is set beside PyTorch's float32 step.
MEASURES = [("IBP train step", "ibp-train-step"), ("IBP train step", "ibp-train-step-bf16"),
            ("nominal train step", "nominal-train-step"), ("IBP verify (batch 1000)", "ibp-verify")]
# The speed issue's goals (ours / PyTorch), and the GFLOP/s row that gives each measure's FLOPs per sample.
GOALS = {("small", "ibp-train-step"): 2.0, ("small", "ibp-train-step-bf16"): 2.0,
         ("medium", "ibp-train-step"): 1.5, ("medium", "ibp-train-step-bf16"): 1.5,
         ("small", "ibp-verify"): 3.0, ("medium", "ibp-verify"): 3.0}
GFLOPS = {"ibp-train-step": "ibp-train-gflops", "ibp-train-step-bf16": "ibp-train-gflops-bf16",
          "ibp-verify": "ibp-verify-gflops"}


def median(values):
    v = sorted(values)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2


def main():
    folder, rounds = sys.argv[1], int(sys.argv[2])
    torch = [json.load(open(os.path.join(folder, f"torch-{r}.json"))) for r in range(1, rounds + 1)]
    ours = [json.load(open(os.path.join(folder, f"ours-{r}.json"))) for r in range(1, rounds + 1)]
    # (model, measure) -> each round's median.
    theirs, mine = {}, {}
    for run in torch:
        for r in run["rows"]:
            theirs.setdefault((r["model"], r["measure"]), []).append(r["median"])
    for run in ours:
        for r in run["rows"]:
            mine.setdefault((r["model"], r["measure"]), []).append(r)
    models = sorted({m for m, _ in theirs}, key=lambda m: ["small", "medium"].index(m)
                    if m in ("small", "medium") else 9)
    first = ours[0]
    print(f"{first.get('cpu', first.get('machine', '?'))}, {first.get('date', '?')}")
    print(f"ours: GEMM kernel {first.get('gemmKernel', '?')}, OpenBLAS {first.get('blas', '?')}; "
          f"torch {torch[0]['info']['torch']} ({torch[0]['info']['threads']} threads)"
          + (f"; medians of {rounds} rounds taking turns" if rounds > 1 else ""))
    spread = f"{'rounds':>14s}" if rounds > 1 else ""
    print(f"{'model':8s}{'measure':22s}{'PyTorch':>12s}{'ours':>12s}{'ours/PyTorch':>14s}{'goal':>7s}{spread}")

    def rate(key):
        return median([r["median"] for r in mine[key]])

    needs = []
    for model in models:
        for torch_name, our_name in MEASURES:
            t, o = theirs.get((model, torch_name)), mine.get((model, our_name))
            if not t or not o:
                continue
            ratio = rate((model, our_name)) / median(t)
            goal = GOALS.get((model, our_name))
            line = (f"{model:8s}{our_name:22s}{median(t):12.0f}{rate((model, our_name)):12.0f}{ratio:13.2f}x"
                    + (f"{goal:6.1f}x" if goal else f"{'':7s}"))
            if rounds > 1:
                ratios = [r["median"] / m for r, m in zip(o, t)]
                line += f"{min(ratios):8.2f}-{max(ratios):.2f}x"
            print(line)
            gflops = mine.get((model, GFLOPS.get(our_name, "")))
            if goal and gflops:
                # FLOPs per sample = GFLOP/s / samples per second (both from the same ibp-bench rows).
                per_sample = median([g["median"] for g in gflops]) / rate((model, our_name))
                needs.append((model, our_name, goal, goal * median(t) * per_sample))
    print("ibp-bench, every row" + (f" (medians, lowest and highest over the {rounds} rounds):" if rounds > 1
                                   else " of the same run:"))
    for (model, measure), rs in mine.items():
        print(f"  {model:9s}{measure:24s}{median([r['median'] for r in rs]):12.1f}{min(r['min'] for r in rs):12.1f}"
              f"{max(r['max'] for r in rs):12.1f}  {rs[0]['unit']}")
    peak = mine.get(("machine", "sgemm-peak"))
    peak = median([r["median"] for r in peak]) if peak else None
    bf16 = mine.get(("machine", "bf16-sgemm-peak"))
    bf16 = median([r["median"] for r in bf16]) if bf16 else None
    other = next(((name, median([r["median"] for r in rs])) for (m, name), rs in mine.items()
                  if m == "machine" and name not in ("sgemm-peak", "bf16-sgemm-peak")), None)
    gflops = mine.get(("small", "ibp-train-gflops"))
    if peak and gflops:
        g = median([r["median"] for r in gflops])
        line = (f"small IBP step: {g:.1f} GFLOP/s = {100 * g / peak:.0f}% "
                f"of the sgemm peak of the kernel the layers use ({peak:.1f} GFLOP/s)")
        if other:
            line += f", {100 * g / other[1]:.0f}% of the other kernel's ({other[0]}: {other[1]:.1f} GFLOP/s)"
        print(line)
    # What each goal asks of the machine: the goal's rate times the FLOPs ibp-bench counts per sample, against the
    # peak of the products it runs on (float32 or bf16) in this run; the rest of a step (lowering, packing,
    # activations, Adam) comes on top, so a goal near or above 100% cannot be met on this machine.
    for model, measure, goal, need in needs:
        p = bf16 if measure.endswith("-bf16") else peak
        if p:
            print(f"goal {goal:.1f}x for {model} {measure}: {need:.1f} GFLOP/s in its products alone, "
                  f"{100 * need / p:.0f}% of the {'bf16' if measure.endswith('-bf16') else 'sgemm'} peak")
    small = mine.get(("small", "ibp-train-step"))
    if small and gflops and peak:
        per_sample = median([r["median"] for r in gflops]) / rate(("small", "ibp-train-step"))
        need = 60000 * 100 * per_sample / 360
        line = (f"a 60,000-step small IBP training (batch 100) in 6 minutes: {need:.1f} GFLOP/s in its steps' "
                f"products alone, {100 * need / peak:.0f}% of the sgemm peak")
        if bf16:
            line += f", {100 * need / bf16:.0f}% of the bf16 peak"
        print(line)


if __name__ == "__main__":
    main()
PY
