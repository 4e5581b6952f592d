#!/usr/bin/env bash
# The VNN-COMP check (issue #13): every instance of VNNCOMP_DIR/instances.csv answered by `verify` with each bound
# method, checked against the consensus in VNNCOMP_DIR/answers.csv (single-unreliable rows count as unknown).
# Prints one summary table per method (answers per network, unsat on holds, sat on violated, WRONG answers, time
# per instance) and writes output/vnncomp/results-METHOD.csv and the counterexamples of sat instances
# (output/vnncomp/counterexamples-METHOD/). Exits 1 when any answer contradicts the consensus.
# Usage: scripts/vnncomp.sh [VNNCOMP_DIR] [METHODS]    (default ../shared/vnncomp and ibp,sound-ibp,crown-ibp,crown)
# Takes about a minute for ibp and crown-ibp and several for crown on 2 cores (release build first).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
positional_only 2 "usage: scripts/vnncomp.sh [VNNCOMP_DIR] [METHODS]" "$@"
# A VNNCOMP_DIR given is read from where the script runs (the default is the repository's ../shared/vnncomp); an
# argument given empty is refused, not taken for its default.
if [ $# -ge 1 ]; then dir=$(given_folder VNNCOMP_DIR "$1" ../shared/vnncomp); else dir=../shared/vnncomp; fi
methods="${2-ibp,sound-ibp,crown-ibp,crown}"
IFS=',' read -r -a list <<< "$methods"
[ ${#list[@]} -gt 0 ] || usage_error "METHODS is empty; give a comma list of ibp, sound-ibp, crown-ibp, crown"
for m in "${list[@]}"; do
  case "$m" in ibp|sound-ibp|crown-ibp|crown) ;; *) usage_error "unknown bound method '$m'; use ibp, sound-ibp, crown-ibp, crown" ;; esac
done
[ -f "$dir/instances.csv" ] || die "$dir: no instances.csv (the VNN-COMP material is ../shared/vnncomp)"
[ -f "$dir/answers.csv" ] || die "$dir: no answers.csv (the consensus answers)"
swift build -c release --product verify >&2
status=0
for m in "${list[@]}"; do
  summary="$(.build/release/verify --instances "$dir/instances.csv" --answers "$dir/answers.csv" --bounds "$m" \
      --results "output/vnncomp/results-$m.csv" --counterexamples "output/vnncomp/counterexamples-$m")" || status=1
  printf '%s\n\n' "$summary"
  if grep -q '^WRONG' <<< "$summary"; then status=1; fi
done
exit $status
