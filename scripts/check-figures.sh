#!/usr/bin/env bash
# Checks on the figure files beyond `swift test` (a script, not CI: it builds release and wants poppler-utils and
# libxml2-utils): the default figure is byte-identical between a debug and a release build in every format, SVG
# is well-formed XML (xmllint) and the PDF opens and rasterises with pdftoppm.
set -euo pipefail
if [ $# -gt 0 ]; then
  echo "check-figures.sh: error: takes no arguments (usage: scripts/check-figures.sh)" >&2
  exit 64
fi
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift build --product visualize >/dev/null
swift build -c release --product visualize >/dev/null
for config in debug release; do
  for format in png svg pdf; do
    ".build/$config/visualize" --out "$tmp/$config.$format" >/dev/null
  done
done
status=0
for format in png svg pdf; do
  if cmp -s "$tmp/debug.$format" "$tmp/release.$format"; then
    echo "$format: debug and release identical ($(sha256sum < "$tmp/debug.$format" | cut -c1-16))"
  else
    echo "$format: debug and release DIFFER" >&2
    status=1
  fi
done
if command -v xmllint >/dev/null; then
  xmllint --noout "$tmp/release.svg" && echo "svg: well-formed (xmllint)"
else
  echo "svg: xmllint not installed (apt-get install libxml2-utils), not checked"
fi
if command -v pdftoppm >/dev/null; then
  pdftoppm -r 30 -png "$tmp/release.pdf" "$tmp/page" && test -s "$tmp/page-1.png" && echo "pdf: opens with pdftoppm"
else
  echo "pdf: pdftoppm not installed (apt-get install poppler-utils), not checked"
fi
exit $status
