#!/usr/bin/env bash
# Regenerates Sources/IBPFormats/ONNX/onnx-subset.pb.swift from onnx-subset.proto (next to it).
#
# Needs protoc (apt: protobuf-compiler) and protoc-gen-swift of the swift-protobuf version Package.swift pins
# (1.39.0): the generated code must match the runtime library. The plugin is built from that package's source
# once (about 2-10 minutes on 2 cores) into a scratch folder and reused:
#
#   scripts/generate-onnx-proto.sh                # builds the plugin in /tmp/protoc-gen-swift-1.39.0 if missing
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift scripts/generate-onnx-proto.sh
#
# The output is committed; the package builds without protoc. Run this after editing the .proto.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
[ $# -eq 0 ] || usage_error "takes no arguments (usage: scripts/generate-onnx-proto.sh; PROTOC_GEN_SWIFT=... to use a built plugin)"
cd "$(dirname "$0")/.."
version=1.39.0
dir=Sources/IBPFormats/ONNX

if ! command -v protoc >/dev/null; then
  echo "generate-onnx-proto.sh: protoc not found; install it with: apt-get install protobuf-compiler" >&2
  exit 1
fi

plugin=$(env_path "${PROTOC_GEN_SWIFT:-}" "")  # a path given is taken from the caller's folder
if [ -z "$plugin" ]; then
  scratch=/tmp/protoc-gen-swift-$version
  plugin=$scratch/build/release/protoc-gen-swift
  if [ ! -x "$plugin" ]; then
    echo "building protoc-gen-swift $version in $scratch (takes a few minutes)" >&2
    rm -rf "$scratch/src"
    mkdir -p "$scratch"
    # The URL form resolves through the machine's git mirrors where there are any.
    git clone -q https://github.com/apple/swift-protobuf.git "$scratch/src"
    git -C "$scratch/src" checkout -q "$version"
    swift build -c release --package-path "$scratch/src" --product protoc-gen-swift --scratch-path "$scratch/build"
  fi
fi
if [ ! -x "$plugin" ]; then
  echo "generate-onnx-proto.sh: $plugin is not an executable protoc-gen-swift" >&2
  exit 1
fi
found=$("$plugin" --version 2>/dev/null | head -n 1 || true)
case "$found" in
  *"$version"*) ;;
  *) echo "generate-onnx-proto.sh: $plugin reports '$found', expected $version (the runtime Package.swift pins)" >&2; exit 1 ;;
esac

protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$dir" --swift_opt=Visibility=Internal \
  --swift_out="$dir" "$dir/onnx-subset.proto"
echo "wrote $dir/onnx-subset.pb.swift" >&2
