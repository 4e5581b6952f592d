#!/usr/bin/env bash
# VNN-COMP tool interface, step 2: run_instance.sh v1 CATEGORY ONNX VNNLIB RESULTS_FILE TIMEOUT. Runs `verify` on
# one instance and writes RESULTS_FILE in the competition's format (sat with its counterexample, unsat, unknown or
# timeout). The bound methods are $IBPVIS_BOUNDS (default crown-ibp,ibp: the first that can bound the network and
# proves the property answers; crown-ibp refuses max pooling, then ibp runs).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
[ $# -eq 6 ] || usage_error "usage: run_instance.sh v1 CATEGORY ONNX VNNLIB RESULTS_FILE TIMEOUT"
[ "$1" = v1 ] || usage_error "interface version '$1'; only v1 is supported"
[[ "$6" =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage_error "TIMEOUT must be a number of seconds, got '$6'"
verify="${IBPVIS_VERIFY:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/verify}"
[ -x "$verify" ] || die "$verify is not built; run: swift build -c release --product verify"
exec "$verify" "$3" "$4" --timeout "$6" --out "$5" --bounds "${IBPVIS_BOUNDS:-crown-ibp,ibp}"
