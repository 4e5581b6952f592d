#!/usr/bin/env bash
# Installs the system packages the package builds against when they are missing: OpenBLAS, libpng and zlib
# (linked), Cairo and FreeType (figures; found through pkg-config) and the DejaVu font the figures are set in.
set -euo pipefail
if [ $# -gt 0 ]; then echo "install-deps.sh: error: takes no arguments (usage: scripts/install-deps.sh)" >&2; exit 64; fi
missing=()
for pkg in libopenblas-dev libpng-dev zlib1g-dev libcairo2-dev libfreetype-dev fonts-dejavu-core pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
