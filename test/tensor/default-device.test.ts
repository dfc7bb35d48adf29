import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDevice, cuda, getDefaultDevice, tensor, withDefaultDevice, zeros } from '../../src/index.js';
import { Linear } from '../../src/nn/index.js';

test('default device: cpu unless set; withDefaultDevice restores it after sync and async work, also on errors', async () => {
  assert.equal(getDefaultDevice(), 'cpu');
  assert.equal(withDefaultDevice('cpu', () => zeros([2]).device), 'cpu');
  await assert.rejects(withDefaultDevice('cpu', async () => {
    await new Promise((r) => setTimeout(r, 1));
    throw new Error('inner');
  }), /inner/);
  assert.equal(getDefaultDevice(), 'cpu');
  assert.throws(() => withDefaultDevice('cpu', () => { throw new Error('sync'); }), /sync/);
  assert.equal(getDefaultDevice(), 'cpu');
});

test('checkDevice names what is wrong and what to use', () => {
  assert.throws(() => checkDevice('gpu', 'training.device'), /training\.device: 'gpu' is not a device; use 'cpu', 'cuda' or 'cuda:N'/);
  assert.throws(() => checkDevice('cpu:1'), /is not a device/);
  assert.equal(checkDevice('cpu'), 'cpu');
  if (!cuda.isAvailable()) assert.throws(() => checkDevice('cuda:0', 'x'), /x: 'cuda:0' asked for, but this libtorch has no usable CUDA device/);
  else assert.throws(() => checkDevice(`cuda:${cuda.deviceCount()}`), /CUDA device.* visible/);
});

test('setData_ swaps the data but keeps the tensor: identity, leaf status, requiresGrad', () => {
  const layer = new Linear(3, 2);
  const w = layer.weight;
  assert.equal(w.dtype, 'float32'); // read (and cached) before the swap: the swap must not leave it stale
  w.setData_(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }));
  assert.equal(layer.weight, w);
  assert.equal(w.dtype, 'float64');
  assert.deepEqual(w.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(w.requiresGrad, true);
  assert.equal(w.isLeaf, true);
  layer.to('cpu');
  assert.equal(layer.device, 'cpu');
  layer.dispose();
});
