/** Views and shape manipulation: values, strides and storage sharing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, cat, stack, tensor, TorchError, zeros, type Tensor } from '../../src/index.js';
import { assertTensor, scoped } from '../helpers/assert.js';

/** arange(n) as float32 in `shape`. */
const seq = (...shape: number[]): Tensor => arange(shape.reduce((a, b) => a * b, 1)).float().reshape(shape);

test('reshape and view: values, -1 inference, storage sharing', scoped(() => {
  const x = seq(2, 3);
  assertTensor(x.reshape(3, 2), [[0, 1], [2, 3], [4, 5]], 'float32');
  assertTensor(x.reshape([-1]), [0, 1, 2, 3, 4, 5]);
  assertTensor(x.reshape(-1, 2), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual([...x.reshape(1, 6, 1).shape], [1, 6, 1]);
  const v = x.view(6);
  v.fill_(7);
  assertTensor(x, [[7, 7, 7], [7, 7, 7]], 'float32');
  // A transposed tensor has no view of shape [6]; reshape copies instead.
  assert.throws(() => seq(2, 3).transpose(0, 1).view(6), TorchError);
  assertTensor(seq(2, 3).transpose(0, 1).reshape(6), [0, 3, 1, 4, 2, 5]);
}));

test('transpose, mT, contiguous: values, strides, layout', scoped(() => {
  const x = seq(2, 3);
  const t = x.transpose(0, 1);
  assertTensor(t, [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(t.strides, [1, 3]);
  assert.equal(t.isContiguous, false);
  const c = t.contiguous();
  assert.equal(c.isContiguous, true);
  assert.deepEqual(c.strides, [2, 1]);
  assertTensor(c, [[0, 3], [1, 4], [2, 5]]);
  assertTensor(seq(2, 2, 3).mT, [[[0, 3], [1, 4], [2, 5]], [[6, 9], [7, 10], [8, 11]]]);
  assertTensor(x.transpose(-1, -2), [[0, 3], [1, 4], [2, 5]]);
  // Copies out of non-contiguous views come in logical (row-major) order.
  assert.deepEqual(Array.from(t.toTypedArray() as Float32Array), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(Array.from(arange(6).float().slice(0, null, null, 2).toTypedArray() as Float32Array), [0, 2, 4]);
  t.mul_(0);
  assertTensor(x, [[0, 0, 0], [0, 0, 0]], 'float32');
}));

test('permute matches index arithmetic', scoped(() => {
  const x = seq(2, 3, 4);
  const p = x.permute(2, 0, 1);
  assert.deepEqual([...p.shape], [4, 2, 3]);
  const pv = p.toArray() as number[][][];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
    assert.equal(pv[k]![i]![j], i * 12 + j * 4 + k);
  }
  assert.deepEqual([...x.permute([1, 2, 0]).shape], [3, 4, 2]);
  assert.deepEqual([...x.permute(-1, 0, 1).shape], [4, 2, 3]);
}));

test('squeeze / unsqueeze', scoped(() => {
  const x = zeros([1, 3, 1, 2]);
  assert.deepEqual([...x.squeeze().shape], [3, 2]);
  assert.deepEqual([...x.squeeze(0).shape], [3, 1, 2]);
  assert.deepEqual([...x.squeeze(2).shape], [1, 3, 2]);
  assert.deepEqual([...x.squeeze(1).shape], [1, 3, 1, 2], 'squeezing a non-1 dim is a no-op');
  assert.deepEqual([...x.squeeze(-2).shape], [1, 3, 2]);
  const y = tensor([1, 2, 3]);
  assertTensor(y.unsqueeze(0), [[1, 2, 3]]);
  assertTensor(y.unsqueeze(1), [[1], [2], [3]]);
  assertTensor(y.unsqueeze(-1), [[1], [2], [3]]);
}));

test('expand / expandAs broadcast without copying', scoped(() => {
  const x = tensor([[1], [2], [3]]);
  const e = x.expand(3, 4);
  assertTensor(e, [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], 'int64');
  assert.deepEqual(e.strides, [1, 0]);
  assertTensor(x.expand(-1, 2), [[1, 1], [2, 2], [3, 3]]);
  assertTensor(tensor([5, 6]).expand(2, 2), [[5, 6], [5, 6]]);
  assert.deepEqual([...tensor([1]).expand([2, 3, 4]).shape], [2, 3, 4]);
  assertTensor(x.expandAs(zeros([3, 2])), [[1, 1], [2, 2], [3, 3]]);
  assert.throws(() => tensor([1, 2]).expand(3), TorchError);
}));

test('flatten', scoped(() => {
  const x = seq(2, 3, 4);
  assert.deepEqual([...x.flatten().shape], [24]);
  assert.deepEqual([...x.flatten(1).shape], [2, 12]);
  assert.deepEqual([...x.flatten(0, 1).shape], [6, 4]);
  assertTensor(seq(2, 2).flatten(), [0, 1, 2, 3]);
  assertTensor(seq(2, 2).transpose(0, 1).flatten(), [0, 2, 1, 3]);
}));

test('narrow is a view of `length` elements from `start`', scoped(() => {
  const x = seq(3, 4);
  assertTensor(x.narrow(1, 1, 2), [[1, 2], [5, 6], [9, 10]]);
  assertTensor(x.narrow(0, 2, 1), [[8, 9, 10, 11]]);
  assertTensor(x.narrow(-1, 3, 1), [[3], [7], [11]]);
  x.narrow(0, 0, 1).fill_(-1);
  assertTensor(x.select(0, 0), [-1, -1, -1, -1]);
}));

test('slice: Python start:end:step with negative bounds, as a view', scoped(() => {
  const x = arange(10);
  assertTensor(x.slice(0, 2, 5), [2, 3, 4]);
  assertTensor(x.slice(0, -3), [7, 8, 9]);
  assertTensor(x.slice(0, null, -2), [0, 1, 2, 3, 4, 5, 6, 7]);
  assertTensor(x.slice(0, -4, -1), [6, 7, 8]);
  assertTensor(x.slice(0, 1, null, 3), [1, 4, 7]);
  assertTensor(x.slice(0, null, null, 2), [0, 2, 4, 6, 8]);
  assertTensor(x.slice(0, 8, 100), [8, 9], 'int64'); // end is clamped
  assertTensor(x.slice(0, 5, 2), [], 'int64'); // empty when start >= end
  const m = seq(3, 4);
  assertTensor(m.slice(1, 1, 3), [[1, 2], [5, 6], [9, 10]]);
  assertTensor(m.slice(-1, -1), [[3], [7], [11]]);
  m.slice(0, 1, 2).fill_(0);
  assertTensor(m, [[0, 1, 2, 3], [0, 0, 0, 0], [8, 9, 10, 11]], 'float32');
}));

test('select removes the dim; negative indices count from the end', scoped(() => {
  const x = seq(2, 3);
  assertTensor(x.select(0, 1), [3, 4, 5]);
  assertTensor(x.select(1, 0), [0, 3]);
  assertTensor(x.select(1, -1), [2, 5]);
  assert.equal(x.select(0, 1).select(0, 2).ndim, 0);
  assert.equal(x.select(0, -1).select(0, -1).item(), 5);
}));

test('cat joins along an existing dim', scoped(() => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6]]);
  assertTensor(cat([a, b]), [[1, 2], [3, 4], [5, 6]], 'int64');
  assertTensor(cat([a, tensor([[7], [8]])], 1), [[1, 2, 7], [3, 4, 8]]);
  assertTensor(cat([a, a], -1), [[1, 2, 1, 2], [3, 4, 3, 4]]);
  assertTensor(cat([tensor([1])]), [1]);
  assert.throws(() => cat([a, tensor([[1, 2, 3]])]), TorchError);
}));

test('stack joins along a new dim', scoped(() => {
  const a = tensor([1, 2]);
  const b = tensor([3, 4]);
  assertTensor(stack([a, b]), [[1, 2], [3, 4]]);
  assertTensor(stack([a, b], 1), [[1, 3], [2, 4]]);
  assertTensor(stack([a, b], -1), [[1, 3], [2, 4]]);
  assert.deepEqual([...stack([zeros([2, 3]), zeros([2, 3]), zeros([2, 3])], 1).shape], [2, 3, 3]);
  assert.throws(() => stack([a, tensor([1, 2, 3])]), TorchError);
}));

test('split, chunk and unbind', scoped(() => {
  const x = arange(5);
  const s = x.split(2);
  assert.deepEqual(s.map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(x.split([1, 4]).map((t) => t.toArray()), [[0], [1, 2, 3, 4]]);
  assert.deepEqual(x.chunk(3).map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
  // torch.chunk(6 elements, 4) gives chunks of ceil(6/4) = 2: three of them.
  assert.deepEqual(arange(6).chunk(4).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
  const m = seq(2, 4);
  assert.deepEqual(m.split(2, 1).map((t) => t.toArray()), [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]);
  assert.deepEqual(m.chunk(2, -1).map((t) => [...t.shape]), [[2, 2], [2, 2]]);
  assert.deepEqual(m.unbind(1).map((t) => t.toArray()), [[0, 4], [1, 5], [2, 6], [3, 7]]);
  assert.throws(() => x.split([1, 2]), TorchError, 'sizes must add up');
}));

test('repeat, repeatInterleave, flip, roll', scoped(() => {
  const x = tensor([1, 2]);
  assertTensor(x.repeat(2), [1, 2, 1, 2]);
  assertTensor(x.repeat(2, 2), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  assertTensor(x.repeatInterleave(2), [1, 1, 2, 2]);
  assertTensor(tensor([[1, 2], [3, 4]]).repeatInterleave(2, 0), [[1, 2], [1, 2], [3, 4], [3, 4]]);
  assertTensor(tensor([[1, 2], [3, 4]]).flip(0), [[3, 4], [1, 2]]);
  assertTensor(tensor([[1, 2], [3, 4]]).flip(0, 1), [[4, 3], [2, 1]]);
  assertTensor(arange(5).roll(2, 0), [3, 4, 0, 1, 2]);
  assertTensor(arange(5).roll(-1, 0), [1, 2, 3, 4, 0]);
  assertTensor(tensor([[1, 2], [3, 4]]).roll([1, 1], [0, 1]), [[4, 3], [2, 1]]);
}));

test('size, ndim, numel', scoped(() => {
  const x = zeros([2, 3, 4]);
  assert.equal(x.ndim, 3);
  assert.equal(x.numel, 24);
  assert.equal(x.size(0), 2);
  assert.equal(x.size(-1), 4);
  assert.throws(() => x.size(3), RangeError);
  assert.equal(zeros([]).numel, 1);
}));
