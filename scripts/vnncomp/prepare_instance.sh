#!/usr/bin/env bash
# VNN-COMP tool interface, step 1: prepare_instance.sh v1 CATEGORY ONNX VNNLIB. Checks the arguments and that
# `verify` is built (install_tool.sh v1, or `swift build -c release --product verify`); the network and
# the property are read by run_instance.sh (reading them takes milliseconds, so nothing is cached here).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
[ $# -eq 4 ] || usage_error "usage: prepare_instance.sh v1 CATEGORY ONNX VNNLIB"
[ "$1" = v1 ] || usage_error "interface version '$1'; only v1 is supported"
[ -f "$3" ] || die "$3: no such network file"
[ -f "$4" ] || die "$4: no such property file"
verify="${IBPVIS_VERIFY:-$(cd "$(dirname "$0")/../.." && pwd)/.build/release/verify}"
[ -x "$verify" ] || die "$verify is not built; run: swift build -c release --product verify"
exit 0
