#!/usr/bin/env bash
# VNN-COMP tool interface, step 0: install_tool.sh v1. Installs the system libraries (scripts/install-deps.sh) and
# builds `verify` in release mode, which prepare_instance.sh and run_instance.sh then run.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
[ $# -eq 1 ] || usage_error "usage: install_tool.sh v1"
[ "$1" = v1 ] || usage_error "interface version '$1'; only v1 is supported"
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
swift build -c release --product verify
