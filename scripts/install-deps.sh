#!/usr/bin/env bash
# Installs the three system libraries the package links (OpenBLAS, libpng, zlib) when they are missing.
set -euo pipefail
if [ $# -gt 0 ]; then echo "install-deps.sh: error: takes no arguments (usage: scripts/install-deps.sh)" >&2; exit 64; fi
missing=()
for pkg in libopenblas-dev libpng-dev zlib1g-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
