#!/usr/bin/env bash
# Sets up rlhf-ts on a fresh Debian/Ubuntu machine: system packages (libtorch, OpenBLAS,
# build tools) when missing, npm dependencies, the native addon and the TypeScript build.
#
#   bash scripts/setup.sh                       # system libtorch (apt libtorch-dev, CPU)
#   LIBTORCH=/opt/libtorch bash scripts/setup.sh  # an official libtorch (CPU or CUDA) instead
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
if [ -z "${LIBTORCH:-}" ]; then
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

if [ -n "${LIBTORCH:-}" ]; then
  [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] || {
    echo "setup: LIBTORCH=$LIBTORCH has no share/cmake/Torch/TorchConfig.cmake; point it at an unpacked libtorch" >&2
    exit 1
  }
  echo "setup: building against LIBTORCH=$LIBTORCH"
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run build
