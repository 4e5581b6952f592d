#!/usr/bin/env bash
# Times auto_LiRPA's IBP, CROWN-IBP and CROWN against `evaluate --bounds ibp,crown-ibp,crown` on the shipped
# checkpoints of ../shared/lirpa (small-ibp-eps0.4 at eps 0.1 and 0.3, small-nominal and vissmall-ibp-eps0.1 at
# 0.1), on the same first N test images, one after the other on this machine, and prints verified % and images/s
# of both with the ratio (scripts/compare-lirpa.py says what is timed).
# Set-up once per machine: auto_LiRPA 0.7.1 is not on PyPI (which has 0.3), so install it from its repository
# into the PyPI torch venv of compare-pytorch.sh:
#   git clone https://github.com/Verified-Intelligence/auto_LiRPA /tmp/auto_LiRPA
#   ../torchenv/bin/pip install --no-deps /tmp/auto_LiRPA && ../torchenv/bin/pip install packaging appdirs pyyaml tqdm graphviz
# With --margins N it times nothing and instead compares the first N images' worst margin bounds (IBP, CROWN-IBP,
# CROWN) on every shipped checkpoint, batch-norm ones included, with auto_LiRPA's (largest relative difference).
# With --rounds R both sides run R times, taking turns, and each row gives the medians and the range of the rounds'
# ratios (one neighbour's burst on a shared host then moves one round, not the row); --checkpoints LIST (of
# small-ibp-eps0.4, small-nominal, vissmall-ibp-eps0.1) and --methods LIST (of ibp, crown-ibp, crown), comma-separated,
# keep a subset of the rows, in this order.
# Usage: scripts/compare-lirpa.sh [DATA_DIR] [--limit N] [--rounds R] [--checkpoints LIST] [--methods LIST]
#        scripts/compare-lirpa.sh [DATA_DIR] --margins N
# --rounds 2 is refused: the median of two rounds is their mean, which one slow round still moves.
# Environment: LIRPA_PYTHON (default ../torchenv/bin/python from the repository; a path given is taken from the folder
# the script is started in), SCRATCH (default .build in the repository; a path given likewise).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
usage="usage: scripts/compare-lirpa.sh [DATA_DIR] [--limit N] [--rounds R] [--checkpoints LIST] [--methods LIST] | [DATA_DIR] --margins N"
data=""
limit=""
margins=""
rounds=""
checkpoints=""
methods=""
split_equals "$@"
set -- ${SPLIT_ARGS[@]+"${SPLIT_ARGS[@]}"}
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) script_help; exit 0 ;;
        --limit) need_value "$@"; once --limit "$limit"; limit=$2; shift 2 ;;
        --margins) need_value "$@"; once --margins "$margins"; margins=$2; shift 2 ;;
        --rounds) need_value "$@"; once --rounds "$rounds"; rounds=$2; shift 2 ;;
        --checkpoints) need_value "$@"; once --checkpoints "$checkpoints"; checkpoints=$2; shift 2 ;;
        --methods) need_value "$@"; once --methods "$methods"; methods=$2; shift 2 ;;
        -*) usage_error "unknown option $1; $usage" ;;
        *) [ -z "$data" ] || usage_error "one DATA_DIR, got $data and $1; $usage"
           data=$(data_dir "$1"); shift ;;
    esac
done
[ -n "$data" ] || data=$(data_dir)
[ -z "$limit" ] || [ -z "$margins" ] || usage_error "--limit and --margins do not go together; $usage"
[ -z "$margins" ] || [ -z "$rounds$checkpoints$methods" ] ||
    usage_error "--margins times nothing: --rounds, --checkpoints and --methods do not go with it; $usage"
limit="${limit:-1000}"
require_count "$limit" --limit 10000 "the MNIST test images"
[ -z "$margins" ] || require_count "$margins" --margins 10000 "the MNIST test images"
[ -z "$rounds" ] || require_count "$rounds" --rounds 20
[ "$rounds" != 2 ] ||
    usage_error "--rounds 2 gives the mean of two rounds, which one slow round still moves; give 1, or 3 or more"
require_mnist "$data" t10k
python=$(env_path "${LIRPA_PYTHON:-}" ../torchenv/bin/python)
scratch=$(env_path "${SCRATCH:-}" .build)
mode=(--limit "$limit")
[ -z "$rounds" ] || mode+=(--rounds "$rounds")
[ -z "$checkpoints" ] || mode+=(--checkpoints "$checkpoints")
[ -z "$methods" ] || mode+=(--methods "$methods")
[ -z "$margins" ] || mode=(--margins "$margins" --scratch "$scratch")
# The names in --checkpoints and --methods are checked before auto_LiRPA is looked for (any python3 reads them).
export COMPARE_LIRPA_PROG=compare-lirpa.sh
python3 scripts/compare-lirpa.py --evaluate none --data "$data" "${mode[@]}" --check-arguments
if ! { [ -x "$python" ] || command -v "$python" >/dev/null; } || ! "$python" -c "import auto_LiRPA, torch" 2>/dev/null; then
    die "no auto_LiRPA at ${LIRPA_PYTHON:-$python}: see the set-up lines at the top of scripts/compare-lirpa.sh"
fi
# torch 2.15 prints one FutureWarning about its own torch.jit.script when auto_LiRPA is imported (no filter hides it).
# The data and the set-up are checked before the release build, which takes minutes.
"$python" scripts/compare-lirpa.py --evaluate none --data "$data" "${mode[@]}" --check
swift build -c release --scratch-path "$scratch" --product evaluate >&2
"$python" scripts/compare-lirpa.py --evaluate "$scratch/release/evaluate" --data "$data" "${mode[@]}"
