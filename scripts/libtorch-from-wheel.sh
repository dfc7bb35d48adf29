#!/usr/bin/env bash
# Unpacks the libtorch inside a PyTorch wheel (torch/include, torch/lib, torch/share/cmake) and
# prints the LIBTORCH path to build against, e.g. for libtorch 2.x with MKL and fused attention:
#
#   LIBTORCH=$(bash scripts/libtorch-from-wheel.sh) npm run build:native
#
# Without an argument it looks for torch-*.whl in pip's configured find-links folders.
set -euo pipefail
cd "$(dirname "$0")/.."
wheel="${1:-}"
if [ -z "$wheel" ]; then
  for dir in $(pip config list 2>/dev/null | sed -n "s/.*find-links='\(.*\)'/\1/p" | tr ' ' '\n'); do
    found=$(ls "$dir"/torch-*.whl 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$found" ] && wheel="$found"
  done
fi
[ -n "$wheel" ] && [ -f "$wheel" ] || { echo "libtorch-from-wheel: no torch wheel given or found in pip's find-links" >&2; exit 1; }
command -v unzip >/dev/null || { echo "libtorch-from-wheel: needs unzip (apt-get install unzip)" >&2; exit 1; }
target=".libtorch/$(basename "$wheel" .whl)"
if [ ! -f "$target/torch/share/cmake/Torch/TorchConfig.cmake" ]; then
  mkdir -p "$target"
  unzip -q -o "$wheel" 'torch/include/*' 'torch/lib/*' 'torch/share/cmake/*' -d "$target" >&2
fi
echo "$PWD/$target/torch"
