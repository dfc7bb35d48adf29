#!/usr/bin/env bash
# Finds a PyTorch wheel whose libtorch suits this machine, checks it, unpacks its libtorch
# (torch/include, torch/lib, torch/share/cmake) once into a cache and prints the path to build
# against; the messages go to stderr. scripts/setup.sh calls it by default.
#
#   LIBTORCH=$(bash scripts/libtorch-from-wheel.sh) npm run build:native
#   bash scripts/libtorch-from-wheel.sh /path/to/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
#
# Where it looks: the wheel given as argument; else, for the best kind of build first (see below),
#   1. torch-*.whl in pip's configured find-links folders;
#   2. the torch versions pip's configured indexes offer (resolved by `pip install --dry-run
#      --report`, downloaded only when not already a local file);
#   3. without a GPU, PyTorch's CPU index (https://download.pytorch.org/whl/cpu), short timeout;
# then the same for the next kind. The first wheel that passes the check wins.
# Without an NVIDIA GPU (nvidia-smi absent or listing none; RLHF_GPU=0|1 overrides) `+cpu` builds
# come first, then plain ones, and a CUDA build is rejected: the plain `torch` of a default index
# is the CUDA build, whose libtorch_cuda.so needs libcudart and the other CUDA libraries. With a
# GPU and the CUDA toolkit (nvcc; building against any CUDA libtorch needs it) CUDA and plain
# builds come first, then `+cpu`.
# Cache: ${RLHF_LIBTORCH_CACHE:-${XDG_CACHE_HOME:-~/.cache}/rlhf-ts/libtorch}/<wheel name>/torch.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "libtorch-from-wheel: $*" >&2; }
pick="node scripts/torch-wheel.mjs"
cache="${RLHF_LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rlhf-ts/libtorch}"

command -v unzip >/dev/null || { say "needs unzip (apt-get install unzip)"; exit 1; }
if [ -n "${RLHF_GPU:-}" ]; then
  gpu="$RLHF_GPU"
elif command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  gpu=1
  # CMake's find_package(Torch) of a CUDA libtorch needs the CUDA toolkit; without it a CPU build is the one that builds.
  if ! command -v nvcc >/dev/null && [ ! -x /usr/local/cuda/bin/nvcc ]; then
    say "an NVIDIA GPU but no CUDA toolkit (nvcc): taking a CPU build; install the toolkit (or set LIBTORCH) for a GPU build"
    gpu=0
  fi
else
  gpu=0
fi
arch=$(uname -m)
if command -v pip >/dev/null; then pip=(pip)
elif python3 -m pip --version >/dev/null 2>&1; then pip=(python3 -m pip)
else pip=()
fi
quick=(--retries 0 --timeout 10)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tried=" "

# use_wheel PATH|URL: check the wheel and unpack its libtorch into the cache (once); prints the path.
use_wheel() {
  local where="$1" name dir wheel verdict
  name=$(basename "$where" .whl)
  name="${name//%2B/+}"
  case "$tried" in *" $name "*) return 1 ;; esac
  tried+="$name "
  dir="$cache/$name"
  if [ -f "$dir/.checked" ]; then
    verdict=$(cat "$dir/.checked")
    if [ "$gpu" = 0 ] && [ "${verdict##* }" = cuda ]; then
      say "skipping $name (cached, a CUDA build; no GPU here)"
      return 1
    fi
    say "using $name from the cache ($dir; $verdict)"
    echo "$dir/torch"
    return 0
  fi
  case "$where" in
    file://*) wheel="${where#file://}"; wheel="${wheel//%2B/+}" ;;
    http://* | https://*)
      [ ${#pip[@]} -gt 0 ] || return 1
      say "downloading $where"
      "${pip[@]}" download --no-deps --only-binary=:all: --retries 1 --timeout 60 -q -d "$tmp/dl" "$where" >&2 || return 1
      wheel=$(ls "$tmp"/dl/torch-*.whl | head -n 1) ;;
    *) wheel="$where" ;;
  esac
  [ -f "$wheel" ] || { say "$wheel: no such file"; return 1; }
  unzip -p "$wheel" torch/version.py > "$tmp/version.py" 2>/dev/null || true
  if ! verdict=$(unzip -Z1 "$wheel" | $pick check --gpu "$gpu" --version-py "$tmp/version.py"); then
    say "skipping $name: ${verdict#rejected: }"
    rm -rf "$tmp/dl"
    return 1
  fi
  say "unpacking the libtorch of $name into $dir (once)"
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  unzip -q -o "$wheel" 'torch/include/*' 'torch/lib/*' 'torch/share/cmake/*' torch/version.py -d "$dir.partial" >&2
  echo "$verdict" > "$dir.partial/.checked"
  rm -rf "$dir" "$tmp/dl"
  mv "$dir.partial" "$dir"
  echo "$dir/torch"
}

# try_versions KINDS VERSIONS INDEX-OPTIONS...: the versions of those kinds (cpu, cuda, plain) that pip
# finds with these options, best first, until one is usable.
try_versions() {
  local kinds="$1" versions="$2" v resolved url version build
  shift 2
  for v in $($pick rank --gpu "$gpu" --arch "$arch" --only "$kinds" $versions); do
    resolved=$("${pip[@]}" install --dry-run --ignore-installed --no-deps --only-binary=:all: -q "${quick[@]}" "$@" \
      --report - "torch==$v" 2>/dev/null | $pick report) || continue
    IFS=$'\t' read -r url version build <<< "$resolved"
    if [ "$gpu" = 0 ] && [ "$build" = cuda ]; then
      case "$tried" in *" torch==$version "*) ;; *) say "skipping torch $version: a CUDA build (it requires NVIDIA's CUDA wheels); no GPU here" ;; esac
      tried+="torch==$version "
      continue
    fi
    use_wheel "$url" && return 0
  done
  return 1
}

# index_versions INDEX-OPTIONS...: the torch versions pip's indexes (and find-links) offer.
index_versions() {
  { "${pip[@]}" index versions torch "${quick[@]}" "$@" 2>/dev/null || true; } | sed -n 's/^Available versions: //p' | tr -d ','
}

say "looking for a PyTorch wheel for $arch, $([ "$gpu" = 1 ] && echo 'with an NVIDIA GPU (CUDA build first)' || echo 'no GPU (CPU build)')"
if [ -n "${1:-}" ]; then
  use_wheel "$1" && exit 0
  say "the wheel $1 cannot be used"
  exit 1
fi
[ ${#pip[@]} -gt 0 ] || { say "no pip on this machine (pip, python3 -m pip): cannot look for wheels"; exit 1; }
can_report=1
if ! "${pip[@]}" install --help 2>/dev/null | grep -q -- '--report'; then
  say "$("${pip[@]}" --version | cut -d' ' -f1-2) cannot report what it would install (pip 22.2+ can): only find-links folders are searched"
  can_report=""
fi
wheels=""
for dir in $("${pip[@]}" config list 2>/dev/null | sed -n "s/.*find-links='\(.*\)'/\1/p" | tr ' ' '\n' | sed 's|^file://||' | sort -u); do
  wheels+=" $(ls "$dir"/torch-*.whl 2>/dev/null | tr '\n' ' ')"
done
# The best kind first from every source (find-links folders, pip's indexes, PyTorch's CPU index), then the next kind.
if [ "$gpu" = 1 ]; then passes=(cuda,plain cpu); else passes=(cpu plain); fi
versions="" cpu_index_versions="" cpu_index_asked=""
for kinds in "${passes[@]}"; do
  for wheel in $($pick rank --gpu "$gpu" --arch "$arch" --only "$kinds" $wheels); do
    use_wheel "$wheel" && exit 0
  done
  [ -n "$can_report" ] || continue
  [ -n "$versions" ] || versions=$(index_versions)
  try_versions "$kinds" "$versions" && exit 0
  if [ "$gpu" = 0 ]; then
    if [ -z "$cpu_index_asked" ]; then
      say "trying PyTorch's CPU index https://download.pytorch.org/whl/cpu"
      cpu_index_versions=$(index_versions --index-url https://download.pytorch.org/whl/cpu)
      cpu_index_asked=1
    fi
    try_versions "$kinds" "$cpu_index_versions" --index-url https://download.pytorch.org/whl/cpu && exit 0
  fi
done
say "no usable PyTorch wheel found"
exit 1
