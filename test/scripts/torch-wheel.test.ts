/** scripts/torch-wheel.mjs: which PyTorch wheel scripts/setup.sh builds against, and why a wheel is refused. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/torch-wheel.mjs', import.meta.url));
const run = (args: string[], input = '') => {
  const r = spawnSync(process.execPath, [script, ...args], { input, encoding: 'utf8' });
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
};

const cpu213 = 'torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl';
const cpu214 = 'torch-2.14.0%2Bcpu-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';
const plain = 'torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl';
const cu121 = 'torch-2.5.1+cu121-cp311-cp311-linux_x86_64.whl';
const arm = 'torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_aarch64.whl';
const mac = 'torch-2.13.0-cp311-none-macosx_11_0_arm64.whl';
const nightly = 'torch-2.15.0.dev20250101+cpu-cp311-cp311-manylinux_2_28_x86_64.whl';

test('without a GPU: +cpu builds first (final releases, newest first), then plain ones; CUDA, other arches and OSes left out', () => {
  const r = run(['rank', '--gpu', '0', '--arch', 'x86_64', cpu213, plain, cu121, arm, mac, nightly, cpu214]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.lines, [cpu214, cpu213, nightly, plain]);
});

test('with a GPU: CUDA and plain builds first, newest first, +cpu last', () => {
  assert.deepEqual(run(['rank', '--gpu', '1', '--arch', 'x86_64', cpu213, cu121, plain]).lines, [plain, cu121, cpu213]);
  assert.deepEqual(run(['rank', '--gpu', '0', '--arch', 'aarch64', cpu213, arm, mac]).lines, [arm]);
});

test('--only keeps the named kinds: the shell looks for the best kind in every source before the next kind', () => {
  assert.deepEqual(run(['rank', '--gpu', '1', '--arch', 'x86_64', '--only', 'cuda,plain', cpu213, cu121, plain]).lines, [plain, cu121]);
  assert.deepEqual(run(['rank', '--gpu', '1', '--arch', 'x86_64', '--only', 'cpu', cpu213, cu121, plain]).lines, [cpu213]);
  // A kind the machine cannot use stays out even when asked for.
  assert.deepEqual(run(['rank', '--gpu', '0', '--arch', 'x86_64', '--only', 'cuda,cpu', cpu213, cu121]).lines, [cpu213]);
});

test('bare versions, as `pip index versions` lists them, rank the same way', () => {
  assert.deepEqual(run(['rank', '--gpu', '0', '2.14.1', '2.13.0+cpu', '2.9.0+cpu', '2.6.0+rocm6.1', '2.10.0rc1+cpu']).lines, ['2.13.0+cpu', '2.9.0+cpu', '2.10.0rc1+cpu', '2.14.1']);
});

const cpuFiles = ['torch/version.py', 'torch/lib/libc10.so', 'torch/lib/libtorch_cpu.so', 'torch/lib/libtorch.so', 'torch/share/cmake/Torch/TorchConfig.cmake'];
const cpuVersionPy = "__version__ = '2.13.0+cpu'\ndebug = False\ncuda: Optional[str] = None\n";
const cudaVersionPy = "__version__ = '2.14.1+cu130'\ncuda: Optional[str] = '13.0'\n";

function check(files: string[], versionPy: string, gpu: 0 | 1) {
  // The script reads version.py from a file, as libtorch-from-wheel.sh extracts it from the wheel.
  const dir = mkdtempSync(join(tmpdir(), 'torch-wheel-'));
  try {
    writeFileSync(join(dir, 'version.py'), versionPy);
    return run(['check', '--gpu', String(gpu), '--version-py', join(dir, 'version.py')], files.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('check: a CPU wheel with the CMake package passes; its version comes from torch/version.py', () => {
  assert.deepEqual(check(cpuFiles, cpuVersionPy, 0), { code: 0, lines: ['ok 2.13.0+cpu cpu'], stderr: '' });
});

test('check: a CUDA wheel is refused without a GPU and accepted with one', () => {
  const files = [...cpuFiles, 'torch/lib/libtorch_cuda.so', 'torch/lib/libc10_cuda.so'];
  const refused = check(files, cudaVersionPy, 0);
  assert.equal(refused.code, 1);
  assert.match(refused.lines[0] ?? '', /^rejected: a CUDA 13\.0 build .*libcudart.*no NVIDIA GPU/);
  assert.deepEqual(check(files, cudaVersionPy, 1).lines, ['ok 2.14.1+cu130 cuda']);
  // version.py alone gives it away when the library list does not.
  assert.equal(check(cpuFiles, cudaVersionPy, 0).code, 1);
});

test('check: a wheel without TorchConfig.cmake or libtorch_cpu.so is no libtorch', () => {
  assert.match(check(cpuFiles.filter((f) => !f.endsWith('.cmake')), cpuVersionPy, 0).lines[0] ?? '', /TorchConfig\.cmake/);
  assert.match(check(cpuFiles.filter((f) => !f.includes('libtorch_cpu')), cpuVersionPy, 0).lines[0] ?? '', /libtorch_cpu\.so/);
});

test("report: pip's resolution of torch, CUDA when it requires NVIDIA's wheels", () => {
  const report = (version: string, requires: string[]) =>
    JSON.stringify({ install: [{ download_info: { url: `https://files/torch-${version}-cp311-cp311-manylinux_2_28_x86_64.whl` }, metadata: { name: 'torch', version, requires_dist: requires } }] });
  assert.deepEqual(run(['report'], report('2.14.1', ['filelock', 'nvidia-nccl-cu13==2.30.7; platform_system == "Linux"'])).lines, [
    'https://files/torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl\t2.14.1\tcuda',
  ]);
  assert.equal(run(['report'], report('2.13.0+cpu', ['filelock'])).lines[0]?.split('\t')[2], 'cpu');
  assert.equal(run(['report'], report('2.5.1+cu121', [])).lines[0]?.split('\t')[2], 'cuda');
  assert.equal(run(['report'], JSON.stringify({ install: [] })).code, 1);
});
