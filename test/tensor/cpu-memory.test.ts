/** cpuMemory(): the addon's count of CPU tensor storage, including what only autograd holds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMemory, randn, resetCpuMemoryPeak, tidy, zeros } from '../../src/tensor/index.js';

test('cpuMemory counts live CPU storage and its peak, including activations only autograd keeps', () => {
  const before = cpuMemory().allocated;
  const t = zeros([1024, 256]); // 1 MiB of float32
  assert.equal(cpuMemory().allocated - before, 1024 * 256 * 4);
  t.dispose();
  assert.equal(cpuMemory().allocated, before);
  resetCpuMemoryPeak();
  assert.equal(cpuMemory().peak, before);
  const w = randn([256, 256]).requiresGrad_(true);
  const base = cpuMemory().allocated;
  // tanh saves its output for backward: the graph holds it although no JS handle does.
  const loss = tidy(() => randn([1024, 256]).matmul(w).tanh().sum());
  const held = cpuMemory().allocated - base;
  assert.ok(held >= 1024 * 256 * 4, `the graph holds ${held} bytes`);
  loss.backward();
  loss.dispose();
  assert.ok(cpuMemory().peak - base >= 2 * 1024 * 256 * 4, `peak ${cpuMemory().peak - base}`);
  w.dispose();
});
