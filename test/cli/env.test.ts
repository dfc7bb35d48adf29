/** rlhf env: the report, the BLAS detection and the advice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adviseEnv, classifyBlas, collectEnvReport, runEnv, type EnvReport } from '../../src/cli/env-command.js';

test('runEnv prints libtorch, BLAS, threads, CUDA, memory, disk and node', () => {
  const out: string[] = [];
  assert.equal(runEnv([], { out: (l) => out.push(l), err: (l) => out.push(l) }), 0);
  const text = out.join('\n');
  for (const label of ['libtorch:', 'libtorch path:', 'BLAS:', 'threads:', 'CUDA:', 'free memory:', 'free disk (cwd):', 'node:']) {
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
    torchVersion: '2.4.0', libtorchPath: '/x/libtorch_cpu.so', blas: 'openblas', blasPath: undefined, threads: 8, cores: 8,
    cudaAvailable: false, cudaDevices: 0, gpuPresent: false, freeMemoryBytes: 16 * GiB, totalMemoryBytes: 32 * GiB,
    freeDiskBytes: 100 * GiB, nodeVersion: '20.17.0',
  };
  assert.deepEqual(adviseEnv(good), []);
  const advice = adviseEnv({ ...good, blas: 'reference', threads: 2, gpuPresent: true, freeMemoryBytes: GiB, freeDiskBytes: GiB, nodeVersion: '18.19.0' });
  assert.equal(advice.length, 6);
  assert.match(advice[0] ?? '', /libopenblas0-openmp/);
  assert.match(advice[1] ?? '', /RLHF_NUM_THREADS=8/);
});
