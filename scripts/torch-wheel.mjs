#!/usr/bin/env node
// Which PyTorch wheel's libtorch suits this machine: the pure decisions behind
// scripts/libtorch-from-wheel.sh, in plain Node (it runs before `npm ci` and `tsc`).
//
//   node scripts/torch-wheel.mjs rank --gpu 0 --arch x86_64 [--only cpu,plain] CANDIDATE...   # usable ones, best first
//   unzip -Z1 W | node scripts/torch-wheel.mjs check --gpu 0 --version-py <(unzip -p W torch/version.py)
//   pip install --dry-run --report - ... | node scripts/torch-wheel.mjs report   # url, version, build
//
// A candidate is a wheel file name (torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl) or a
// bare version (2.13.0+cpu, as `pip index versions` lists them). The plain `torch` of a default
// index is the CUDA build on x86_64 Linux: its libtorch needs CUDA libraries that a machine
// without a GPU lacks, so there a `+cpu` build ranks first and a plain one must pass `check`.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Splits a wheel file name or a version into its parts; undefined when it is no torch wheel.
 * @example parseCandidate('torch-2.5.1+cu121-cp311-cp311-linux_x86_64.whl') // { version: '2.5.1+cu121', release: [2,5,1], local: 'cu121', pre: false, platform: 'linux_x86_64' }
 */
export function parseCandidate(candidate) {
  const name = decodeURIComponent(candidate.split('/').pop() ?? candidate);
  let version = name;
  let platform;
  if (name.endsWith('.whl')) {
    // name-version(-build)?-python-abi-platform.whl
    const parts = name.slice(0, -'.whl'.length).split('-');
    if (parts[0] !== 'torch' || parts.length < 5) return undefined;
    version = parts[1];
    platform = parts[parts.length - 1];
  }
  const m = /^(\d+(?:\.\d+)*)((?:a|b|rc|\.dev|\.post)[\d.]*\w*)?(?:\+([a-z0-9.]+))?$/i.exec(version);
  if (!m) return undefined;
  return {
    version,
    release: m[1].split('.').map(Number),
    pre: m[2] !== undefined && !m[2].startsWith('.post'),
    local: m[3],
    platform,
  };
}

/** 'cpu', 'cuda' (a +cuXXX local version), 'plain' (no local version: CUDA on x86_64 Linux PyPI, CPU elsewhere) or 'other' (rocm, xpu, ...). */
export function buildKind(local) {
  if (local === undefined) return 'plain';
  if (local === 'cpu' || local.startsWith('cpu.')) return 'cpu';
  if (/^cu\d+/.test(local)) return 'cuda';
  return 'other';
}

function compareRelease(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The candidates whose libtorch can serve this machine, best first: without a GPU the
 * `+cpu` builds, then plain ones (to be checked); with one the CUDA and plain builds, then
 * `+cpu`. Within a kind a final release beats a pre-release, then the higher version wins.
 * Wheel names for another OS or CPU architecture, and ROCm/XPU builds, are left out; `only`
 * keeps just the named kinds ('cpu', 'cuda', 'plain').
 * @example rankCandidates(['2.14.1', '2.13.0+cpu'], { gpu: false, arch: 'x86_64' }) // ['2.13.0+cpu', '2.14.1']
 */
export function rankCandidates(candidates, { gpu, arch, only }) {
  const order = gpu ? { cuda: 0, plain: 0, cpu: 1 } : { cpu: 0, plain: 1 };
  if (only) for (const kind of Object.keys(order)) if (!only.includes(kind)) delete order[kind];
  const usable = [];
  for (const candidate of candidates) {
    const c = parseCandidate(candidate);
    if (!c) continue;
    if (c.platform !== undefined && !c.platform.split('.').some((t) => /linux/.test(t) && t.endsWith(`_${arch}`))) continue;
    const rank = order[buildKind(c.local)];
    if (rank === undefined) continue;
    usable.push({ candidate, c, rank });
  }
  usable.sort((x, y) => x.rank - y.rank || Number(x.c.pre) - Number(y.c.pre) || compareRelease(y.c.release, x.c.release));
  return [...new Set(usable.map((u) => u.candidate))];
}

/**
 * Whether an unpacked wheel's libtorch can be built against here, from the wheel's file
 * list (`unzip -Z1`) and its torch/version.py: the CMake package and libtorch_cpu must be
 * there, and without a GPU it must not be a CUDA (or ROCm) build.
 * @example checkWheel(['torch/lib/libtorch_cpu.so', 'torch/share/cmake/Torch/TorchConfig.cmake'], "__version__ = '2.13.0+cpu'", { gpu: false }) // { ok: true, version: '2.13.0+cpu', build: 'cpu' }
 */
export function checkWheel(files, versionPy, { gpu }) {
  const has = (f) => files.includes(f);
  const version = /^__version__\s*=\s*['"]([^'"]+)['"]/m.exec(versionPy)?.[1];
  const cudaVersion = /^cuda\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(versionPy)?.[1];
  const cudaLib = has('torch/lib/libtorch_cuda.so');
  const build = cudaLib || cudaVersion ? 'cuda' : has('torch/lib/libtorch_hip.so') ? 'rocm' : 'cpu';
  const fail = (reason) => ({ ok: false, version, build, reason });
  if (!has('torch/share/cmake/Torch/TorchConfig.cmake')) return fail('no torch/share/cmake/Torch/TorchConfig.cmake (not a full libtorch)');
  if (!has('torch/lib/libtorch_cpu.so')) return fail('no torch/lib/libtorch_cpu.so');
  if (version === undefined) return fail('no __version__ in torch/version.py');
  if (build === 'rocm') return fail('a ROCm build (torch/lib/libtorch_hip.so)');
  if (build === 'cuda' && !gpu) {
    return fail(`a CUDA ${cudaVersion ?? ''} build (torch/lib/libtorch_cuda.so needs libcudart and the other CUDA libraries); this machine has no NVIDIA GPU`.replace('  ', ' '));
  }
  return { ok: true, version, build };
}

/**
 * What `pip install --dry-run --report` resolved torch to: the wheel's URL, its version,
 * and 'cuda' when it requires NVIDIA's CUDA wheels (nvidia-*) or has a +cuXXX version.
 * @example readPipReport('{"install":[{"download_info":{"url":"file:///w/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl"},"metadata":{"version":"2.14.1","requires_dist":["nvidia-nccl-cu13==2.30.7"]}}]}') // { url: 'file:///w/torch-2.14.1-...whl', version: '2.14.1', build: 'cuda' }
 */
export function readPipReport(json) {
  const item = JSON.parse(json).install?.find((i) => i.metadata?.name?.toLowerCase() === 'torch');
  if (!item) return undefined;
  const version = item.metadata.version;
  const needsCuda = (item.metadata.requires_dist ?? []).some((d) => /^nvidia-/i.test(d));
  const kind = buildKind(parseCandidate(version)?.local);
  return { url: item.download_info.url, version, build: needsCuda || kind === 'cuda' ? 'cuda' : kind === 'other' ? 'other' : 'cpu' };
}

function option(args, name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

function main(argv) {
  const [command, ...args] = argv;
  const gpu = option(args, '--gpu', '0') === '1';
  if (command === 'rank') {
    const arch = option(args, '--arch', process.arch === 'arm64' ? 'aarch64' : 'x86_64');
    const only = option(args, '--only', undefined)?.split(',');
    for (const c of rankCandidates(args, { gpu, arch, only })) console.log(c);
    return 0;
  }
  if (command === 'check') {
    const versionPyPath = option(args, '--version-py', undefined);
    const versionPy = versionPyPath ? readFileSync(versionPyPath, 'utf8') : '';
    const files = readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const r = checkWheel(files, versionPy, { gpu });
    console.log(r.ok ? `ok ${r.version} ${r.build}` : `rejected: ${r.reason}`);
    return r.ok ? 0 : 1;
  }
  if (command === 'report') {
    const r = readPipReport(readFileSync(0, 'utf8'));
    if (!r) return 1;
    console.log(`${r.url}\t${r.version}\t${r.build}`);
    return 0;
  }
  console.error('usage: torch-wheel.mjs rank|check|report [--gpu 0|1] [--arch ARCH] [--only KINDS] [--version-py FILE] [CANDIDATE...]');
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
