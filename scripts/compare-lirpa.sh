#!/usr/bin/env bash
# Times auto_LiRPA's IBP, CROWN-IBP and CROWN against `evaluate --bounds ibp,crown-ibp,crown` on the shipped
# checkpoints of ../shared/lirpa (small-ibp-eps0.4 at eps 0.1 and 0.3, small-nominal and vissmall-ibp-eps0.1 at
# 0.1), on the same first N test images, one after the other on this machine, and prints verified % and images/s
# of both with the ratio (scripts/compare-lirpa.py says what is timed).
# Set-up once per machine: auto_LiRPA 0.7.1 is not on PyPI (which has 0.3), so install it from its repository
# into the PyPI torch venv of compare-pytorch.sh:
#   git clone https://github.com/Verified-Intelligence/auto_LiRPA /tmp/auto_LiRPA
#   ../torchenv/bin/pip install --no-deps /tmp/auto_LiRPA && ../torchenv/bin/pip install packaging appdirs pyyaml tqdm graphviz
# Usage: scripts/compare-lirpa.sh [DATA_DIR] [--limit N]
# Environment: LIRPA_PYTHON (default ../torchenv/bin/python), SCRATCH (default .build).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
usage="usage: scripts/compare-lirpa.sh [DATA_DIR] [--limit N]"
data="${IBP_DATA:-data/mnist}"
limit=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --limit) [ $# -ge 2 ] || usage_error "--limit needs a value; $usage"; limit=$2; shift 2 ;;
        -*) usage_error "unknown option $1; $usage" ;;
        *) data=$1; shift ;;
    esac
done
require_count "$limit" --limit
require_mnist "$data" t10k
python=${LIRPA_PYTHON:-../torchenv/bin/python}
scratch=${SCRATCH:-.build}
if [ ! -x "$python" ] || ! "$python" -c "import auto_LiRPA, torch" 2>/dev/null; then
    die "no auto_LiRPA at $python: see the set-up lines at the top of scripts/compare-lirpa.sh"
fi
swift build -c release --scratch-path "$scratch" --product evaluate >&2
"$python" -W ignore scripts/compare-lirpa.py --evaluate "$scratch/release/evaluate" --data "$data" --limit "$limit"
