#!/usr/bin/env bash
# Sets up rlhf-ts on a fresh Debian/Ubuntu machine: build tools when missing, a libtorch, npm
# dependencies, the native addon and the TypeScript build.
#
#   bash scripts/setup.sh                         # libtorch 2.x from a PyTorch wheel pip can get for this
#                                                 # machine (the CPU build without a GPU), unpacked once into
#                                                 # ~/.cache/rlhf-ts/libtorch; Debian's libtorch-dev 1.13 where none
#   RLHF_LIBTORCH=wheel bash scripts/setup.sh     # the wheel, or an error
#   RLHF_LIBTORCH=system bash scripts/setup.sh    # Debian's libtorch-dev 1.13 (apt) with OpenBLAS
#   LIBTORCH=/opt/libtorch bash scripts/setup.sh  # an unpacked libtorch of your own (CPU or CUDA); wins
#
# How the wheel is found, checked and cached: scripts/libtorch-from-wheel.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }

choice="${RLHF_LIBTORCH:-}"
case "$choice" in
  "" | wheel | system) ;;
  *) say "RLHF_LIBTORCH=$choice: expected 'wheel' or 'system' (or unset for the wheel with Debian's as fallback)" >&2; exit 2 ;;
esac
command -v node >/dev/null && command -v npm >/dev/null || { say "needs Node.js >= 20.17 with npm (https://nodejs.org)" >&2; exit 1; }

# apt_install PACKAGE...: installs those not installed yet.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

tools=()
command -v cmake >/dev/null || tools+=(cmake)
command -v g++ >/dev/null || tools+=(g++)
command -v make >/dev/null || tools+=(make)
# Gloo's headers: libtorch ships c10d's ProcessGroupGloo.hpp (data-parallel training) but not
# the gloo headers it includes; the gloo code itself is inside libtorch_cpu.
[ -f /usr/include/gloo/context.h ] || tools+=(libgloo-dev)
wants_wheel=""
[ -z "${LIBTORCH:-}" ] && [ "$choice" != system ] && wants_wheel=1
if [ -n "$wants_wheel" ]; then
  command -v unzip >/dev/null || tools+=(unzip)
  # pip finds the wheel (configured find-links and indexes, or PyTorch's CPU index).
  command -v pip >/dev/null || python3 -m pip --version >/dev/null 2>&1 || tools+=(python3-pip)
fi
# Extra packages for tests, e.g. RLHF_SETUP_APT_EXTRA=chromium for the human-eval browser test (CI sets it).
# shellcheck disable=SC2206
tools+=(${RLHF_SETUP_APT_EXTRA:-})
[ ${#tools[@]} -eq 0 ] || apt_install "${tools[@]}"

# Which libtorch, and why.
if [ -n "${LIBTORCH:-}" ]; then
  say "libtorch: LIBTORCH=$LIBTORCH (set by you; it wins over RLHF_LIBTORCH and the wheel)"
elif [ "$choice" = system ]; then
  say "libtorch: Debian's libtorch-dev 1.13 (RLHF_LIBTORCH=system)"
elif LIBTORCH=$(bash scripts/libtorch-from-wheel.sh); then
  export LIBTORCH
  say "libtorch: $(cat "$LIBTORCH/version.py" 2>/dev/null | sed -n "s/^__version__ = '\(.*\)'/\1/p") from a PyTorch wheel, $LIBTORCH (RLHF_LIBTORCH=system for Debian's 1.13)"
elif [ "$choice" = wheel ]; then
  say "RLHF_LIBTORCH=wheel, but pip offers no usable PyTorch wheel (see above): put one (torch-*+cpu-*.whl without a GPU)" \
    "in a pip find-links folder, pass it to scripts/libtorch-from-wheel.sh, or set LIBTORCH" >&2
  exit 1
else
  say "libtorch: no PyTorch wheel for this machine, falling back to Debian's libtorch-dev 1.13" \
    "(at 0.5B about a third slower than 2.x; RLHF_LIBTORCH=wheel to insist on a wheel)"
fi
if [ -z "${LIBTORCH:-}" ]; then
  # libtorch 1.13's BLAS calls go through libblas.so.3: OpenBLAS must back it (reference BLAS is ~15x slower).
  apt_install libtorch-dev libopenblas0-openmp
else
  [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] || {
    say "LIBTORCH=$LIBTORCH has no share/cmake/Torch/TorchConfig.cmake; point it at an unpacked libtorch" >&2
    exit 1
  }
fi

# A build folder configured for another libtorch keeps that one cached: start it afresh.
source_mark="${LIBTORCH:-system}"
if [ -d build ] && [ "$(cat build/.libtorch-source 2>/dev/null || echo system)" != "$source_mark" ]; then
  say "the previous build used another libtorch ($(cat build/.libtorch-source 2>/dev/null || echo system)); rebuilding the addon"
  rm -rf build
fi

# npm ci reinstalls node_modules, whose fresh node-addon-api headers would make the addon rebuild from
# scratch: skip it when node_modules was installed from this very package-lock.json.
if [ -f package-lock.json ] && sha256sum --status -c node_modules/.rlhf-setup-lock 2>/dev/null; then
  say "npm dependencies are up to date (node_modules/.rlhf-setup-lock)"
elif [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
  sha256sum package-lock.json > node_modules/.rlhf-setup-lock
else
  npm install --no-audit --no-fund
fi
npm run build
echo "$source_mark" > build/.libtorch-source
