/** rlhf env: the report, the BLAS detection and the advice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adviseEnv, classifyBlas, collectEnvReport, libtorchSource, machineRows, otherLibtorch, runEnv, trainableSizes, type EnvReport } from '../../src/cli/env-command.js';
import { buildInfo } from '../../src/tensor/index.js';

test('runEnv prints libtorch, BLAS, threads, CUDA, memory, disk and node', () => {
  const out: string[] = [];
  assert.equal(runEnv([], { out: (l) => out.push(l), err: (l) => out.push(l) }), 0);
  const text = out.join('\n');
  for (const label of ['libtorch:', 'libtorch path:', 'libtorch source:', 'the other libtorch:', 'BLAS:', 'threads:', 'CUDA:', 'free memory:', 'free disk (cwd):', 'node:']) {
    assert.ok(text.includes(label), `missing ${label} in\n${text}`);
  }
  const json: string[] = [];
  assert.equal(runEnv(['--json'], { out: (l) => json.push(l), err: () => {} }), 0);
  const parsed = JSON.parse(json.join('\n')) as EnvReport & { advice: string[] };
  assert.equal(parsed.nodeVersion, process.versions.node);
  assert.ok(Array.isArray(parsed.advice));
  assert.equal(runEnv(['--bogus'], { out: () => {}, err: () => {} }), 2);
});

test('the report finds libtorch in /proc/self/maps on Linux', () => {
  const r = collectEnvReport();
  assert.ok(r.threads >= 1 && r.cores >= 1);
  if (process.platform === 'linux') assert.match(r.libtorchPath ?? '', /libtorch(_cpu)?\.so/);
});

test('the linked libtorch: its source agrees with the version the addon was compiled against', () => {
  const r = collectEnvReport();
  const version = buildInfo().torchVersion;
  assert.equal(r.torchVersion, version);
  if (r.libtorchSource === 'wheel') {
    // The cache folder is named after the wheel: torch-<version>[+local]-<python>-<abi>-<platform>.
    const folder = /\/(torch-[^/]+)\/torch\/lib\//.exec(r.libtorchPath ?? '')?.[1] ?? '';
    assert.ok(folder.startsWith(`torch-${version}`), `wheel folder ${folder} vs libtorch ${version}`);
  }
  if (r.libtorchSource === 'system') assert.match(r.libtorchPath ?? '', new RegExp(`libtorch_cpu\\.so\\.${version.split('.').slice(0, 2).join('\\.')}`));
  if (process.platform === 'linux') assert.notEqual(r.libtorchSource, 'unknown');
});

test('libtorchSource reads where libtorch_cpu.so lives', () => {
  assert.equal(libtorchSource('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13'), 'system');
  assert.equal(libtorchSource('/root/.cache/rlhf-ts/libtorch/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64/torch/lib/libtorch_cpu.so'), 'wheel');
  assert.equal(libtorchSource('/work/.libtorch/torch-2.5.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64/torch/lib/libtorch_cpu.so'), 'wheel');
  assert.equal(libtorchSource('/opt/libtorch/lib/libtorch_cpu.so'), 'LIBTORCH');
  assert.equal(libtorchSource('/venv/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so'), 'LIBTORCH');
  assert.equal(libtorchSource(undefined), 'unknown');
});

test('the other libtorch: 1.13 points at the wheel, 2.x at Debian, each with its command', () => {
  assert.match(otherLibtorch('system', '1.13.1'), /faster.*0\.5B.*RLHF_LIBTORCH=wheel bash scripts\/setup\.sh$/);
  assert.match(otherLibtorch('wheel', '2.13.0'), /slower.*0\.5B.*RLHF_LIBTORCH=system bash scripts\/setup\.sh$/);
  assert.match(otherLibtorch('LIBTORCH', '2.5.1'), /^the default is a PyTorch wheel's.*RLHF_LIBTORCH=system/);
  assert.match(otherLibtorch('LIBTORCH', '1.12.0'), /RLHF_LIBTORCH=wheel/);
});

test('classifyBlas reads the library paths, then the build config', () => {
  assert.equal(classifyBlas(['/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3'], '').kind, 'openblas');
  assert.equal(classifyBlas(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'], '').kind, 'reference');
  assert.equal(classifyBlas(['/opt/intel/lib/libmkl_rt.so.2'], '').kind, 'mkl');
  assert.equal(classifyBlas([], '  - BLAS_INFO=mkl\n').kind, 'mkl');
  assert.equal(classifyBlas([], '').kind, 'unknown');
});

test('advice: reference BLAS, idle cores, CPU-only build with a GPU, low memory and disk', () => {
  const GiB = 1024 ** 3;
  const good: EnvReport = {
    torchVersion: '2.4.0', libtorchPath: '/x/libtorch_cpu.so', libtorchSource: 'LIBTORCH', blas: 'openblas', blasPath: undefined, threads: 8, cores: 8,
    cudaAvailable: false, cudaDevices: 0, gpuPresent: false, freeMemoryBytes: 16 * GiB, totalMemoryBytes: 32 * GiB,
    freeDiskBytes: 100 * GiB, nodeVersion: '20.17.0',
  };
  assert.deepEqual(adviseEnv(good), []);
  const advice = adviseEnv({ ...good, blas: 'reference', threads: 2, gpuPresent: true, freeMemoryBytes: GiB, freeDiskBytes: GiB, nodeVersion: '18.19.0' });
  assert.equal(advice.length, 6);
  assert.match(advice[0] ?? '', /libopenblas0-openmp/);
  assert.match(advice[1] ?? '', /RLHF_NUM_THREADS=8/);
});

test('rlhf env sizes the models this machine can train from the planner\'s bytes per parameter', () => {
  const GiB = 1024 ** 3;
  const machine = { totalBytes: 32 * GiB, freeBytes: 16 * GiB, cores: 8, threads: 8, gpus: [] };
  const sizes = trainableSizes(machine);
  assert.equal(sizes.budget, 'CPU memory available');
  assert.equal(sizes.parameters.full.float32, (16 * GiB * 0.75) / 16);
  assert.equal(sizes.parameters.full.bfloat16, (16 * GiB * 0.75) / 8);
  assert.ok(sizes.parameters.lora.float32 > 3 * sizes.parameters.full.float32);
  const rows = machineRows([{ index: 0, name: 'NVIDIA H100', totalBytes: 80 * GiB, freeBytes: 79 * GiB }], sizes);
  assert.deepEqual(rows.map(([k]) => k), ['GPU 0 memory', 'full fine-tuning', 'LoRA fine-tuning', 'sized against']);
  assert.equal(rows[1]?.[1], 'up to 805M in float32 (16 B each), 1.6B in bfloat16 (8 B each)');
  const gpu = trainableSizes({ ...machine, gpus: [{ index: 0, name: 'NVIDIA H100', totalBytes: 80 * GiB, freeBytes: 79 * GiB }] });
  assert.equal(gpu.budgetBytes, 79 * GiB);
  const out: string[] = [];
  runEnv([], { out: (l) => out.push(l), err: () => {} });
  assert.match(out.join('\n'), /^full fine-tuning: +up to [\d.]+[KMB] in float32 \(16 B each\)/m);
});
