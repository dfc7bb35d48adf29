#!/usr/bin/env bash
# Sets up rlhf-ts on a fresh Debian/Ubuntu machine: system packages (libtorch, OpenBLAS,
# build tools) when missing, npm dependencies, the native addon and the TypeScript build.
#
#   bash scripts/setup.sh                       # system libtorch (apt libtorch-dev, CPU)
#   LIBTORCH=/opt/libtorch bash scripts/setup.sh  # an official libtorch (CPU or CUDA) instead
#   RLHF_LIBTORCH=wheel bash scripts/setup.sh     # libtorch 2.x unpacked from a PyTorch wheel in pip's
#                                                 # find-links (faster kernels: MKL, fused attention)
set -euo pipefail
cd "$(dirname "$0")/.."

from_wheel=""
[ "${RLHF_LIBTORCH:-}" = "wheel" ] && [ -z "${LIBTORCH:-}" ] && from_wheel=1

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
if [ -n "$from_wheel" ]; then
  command -v unzip >/dev/null || need+=(unzip)
elif [ -z "${LIBTORCH:-}" ]; then
  dpkg -s libtorch-dev >/dev/null 2>&1 || need+=(libtorch-dev)
fi
# libtorch's BLAS calls go through libblas.so.3: OpenBLAS must back it (reference BLAS is ~15x slower).
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || need+=(libopenblas0-openmp)
# Extra packages for tests, e.g. RLHF_SETUP_APT_EXTRA=chromium for the human-eval browser test (CI sets it).
for pkg in ${RLHF_SETUP_APT_EXTRA:-}; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -n "$from_wheel" ]; then
  LIBTORCH=$(bash scripts/libtorch-from-wheel.sh)
  export LIBTORCH
fi
if [ -n "${LIBTORCH:-}" ]; then
  [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] || {
    echo "setup: LIBTORCH=$LIBTORCH has no share/cmake/Torch/TorchConfig.cmake; point it at an unpacked libtorch" >&2
    exit 1
  }
  echo "setup: building against LIBTORCH=$LIBTORCH"
fi

# A build folder configured for another libtorch keeps that one cached: start it afresh.
source_mark="${LIBTORCH:-system}"
if [ -d build ] && [ "$(cat build/.libtorch-source 2>/dev/null || echo system)" != "$source_mark" ]; then
  echo "setup: the previous build used another libtorch; rebuilding the addon"
  rm -rf build
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build
echo "$source_mark" > build/.libtorch-source
