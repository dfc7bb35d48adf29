/** Reductions over everything, one dim or several, with keepdim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { assertClose, assertTensor, scoped } from '../helpers/assert.js';
import * as ref from '../helpers/reference.js';

const M = [[1, 2, 3], [4, 5, 7]];
const TIGHT = { atol: 1e-12, rtol: 1e-12 };

test('sum: all, dims, keepdim, dtype', scoped(() => {
  const x = tensor(M).float();
  assertTensor(x.sum(), 22, 'float32');
  assertTensor(x.sum({ dim: 0 }), [5, 7, 10]);
  assertTensor(x.sum({ dim: 1 }), [6, 16]);
  assertTensor(x.sum({ dim: -1, keepdim: true }), [[6], [16]]);
  assertTensor(x.sum({ dim: [0, 1] }), 22);
  assertTensor(x.sum({ dim: [0, 1], keepdim: true }), [[22]]);
  assertTensor(x.sum({ dtype: 'float64' }), 22, 'float64');
  // Integer and bool sums accumulate in int64, as in PyTorch.
  assertTensor(tensor(M).sum(), 22, 'int64');
  assertTensor(tensor(M, { dtype: 'int32' }).sum(), 22, 'int64');
  assertTensor(tensor([true, true, false]).sum(), 2, 'int64');
  const t3 = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assertTensor(t3.sum({ dim: [0, 2] }), [14, 22]);
}));

test('mean, prod, norm', scoped(() => {
  const x = tensor(M, { dtype: 'float64' });
  assertClose(x.mean(), 22 / 6, TIGHT);
  assertClose(x.mean({ dim: 0 }), [2.5, 3.5, 5], TIGHT);
  assertClose(x.mean({ dim: 1, keepdim: true }), [[2], [16 / 3]], TIGHT);
  assertClose(x.mean({ dim: [0, 1] }), 22 / 6, TIGHT);
  assert.equal(tensor(M).float().mean({ dtype: 'float64' }).dtype, 'float64');
  assertTensor(tensor(M).prod(), 840, 'int64');
  assertTensor(tensor(M).float().prod({ dim: 1 }), [6, 140], 'float32');
  assertTensor(tensor(M).float().prod({ dim: 0, keepdim: true }), [[4, 10, 21]]);
  assertClose(tensor([3, 4]).float().norm(), 5);
  assertClose(tensor([3, -4]).float().norm({ p: 1 }), 7);
  assertClose(x.norm({ dim: 1 }), [Math.sqrt(14), Math.sqrt(90)], TIGHT);
}));

test('var / std: unbiased (default) and biased, over dims', scoped(() => {
  const x = tensor(M, { dtype: 'float64' });
  const all = M.flat();
  assertClose(x.var(), ref.variance(all, true), TIGHT);
  assertClose(x.var({ unbiased: false }), ref.variance(all, false), TIGHT);
  assertClose(x.std(), Math.sqrt(ref.variance(all, true)), TIGHT);
  assertClose(x.std({ unbiased: false }), Math.sqrt(ref.variance(all, false)), TIGHT);
  assertClose(x.var({ dim: 1 }), M.map((r) => ref.variance(r, true)), TIGHT);
  assertClose(x.var({ dim: 1, unbiased: false, keepdim: true }), M.map((r) => [ref.variance(r, false)]), TIGHT);
  const cols = ref.transpose(M);
  assertClose(x.std({ dim: 0 }), cols.map((c) => Math.sqrt(ref.variance(c, true))), TIGHT);
  assertClose(x.std({ dim: 0, unbiased: false }), cols.map((c) => Math.sqrt(ref.variance(c, false))), TIGHT);
  assertClose(x.var({ dim: [0, 1] }), ref.variance(all, true), TIGHT);
}));

test('max / min over everything and along dims (amax/amin)', scoped(() => {
  const x = tensor([[1, 9, 3], [4, -5, 7]]);
  assertTensor(x.max(), 9, 'int64');
  assertTensor(x.min(), -5, 'int64');
  assertTensor(x.max({ dim: 0 }), [4, 9, 7]);
  assertTensor(x.min({ dim: 1 }), [1, -5]);
  assertTensor(x.max({ dim: 1, keepdim: true }), [[9], [7]]);
  assertTensor(x.max({ dim: [0, 1] }), 9);
  const mw = x.maxWithIndices({ dim: 1 });
  assertTensor(mw.values, [9, 7]);
  assertTensor(mw.indices, [1, 2], 'int64');
  const nw = x.minWithIndices({ dim: 0, keepdim: true });
  assertTensor(nw.values, [[1, -5, 3]]);
  assertTensor(nw.indices, [[0, 1, 0]]);
  assertTensor(tensor([1, NaN, 3]).max(), NaN, 'float32');
}));

test('argmax / argmin', scoped(() => {
  const x = tensor([[1, 9, 3], [4, -5, 7]]).float();
  assertTensor(x.argmax(), 1, 'int64'); // flattened index
  assertTensor(x.argmin(), 4, 'int64');
  assertTensor(x.argmax({ dim: 0 }), [1, 0, 1]);
  assertTensor(x.argmax({ dim: 1, keepdim: true }), [[1], [2]]);
  assertTensor(x.argmin({ dim: -1 }), [0, 1]);
}));

test('logsumexp along dims, stable for large values', scoped(() => {
  const rows = [[1, 2, 3], [1000, 1000, -Infinity]];
  const x = tensor(rows, { dtype: 'float64' });
  assertClose(x.logsumexp({ dim: 1 }), rows.map(ref.logsumexp), TIGHT);
  assertClose(x.logsumexp({ dim: -1, keepdim: true }), rows.map((r) => [ref.logsumexp(r)]), TIGHT);
  assertClose(x.logsumexp({ dim: 0 }), ref.transpose(rows).map(ref.logsumexp), TIGHT);
  const small = [[0.5, -1], [2, 0.25]];
  assertClose(tensor(small, { dtype: 'float64' }).logsumexp({ dim: [0, 1] }), ref.logsumexp(small.flat()), TIGHT);
}));

test('cumsum / cumprod', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assertTensor(x.cumsum(1), [[1, 3, 6], [4, 9, 15]], 'int64');
  assertTensor(x.cumsum(0), [[1, 2, 3], [5, 7, 9]], 'int64');
  assertTensor(x.float().cumsum(-1), [[1, 3, 6], [4, 9, 15]], 'float32');
  assertTensor(x.cumsum(1, 'float64'), [[1, 3, 6], [4, 9, 15]], 'float64');
  assertTensor(tensor([true, false, true]).cumsum(0), [1, 1, 2], 'int64');
  assertTensor(x.cumprod(1), [[1, 2, 6], [4, 20, 120]], 'int64');
}));

test('any / all with dims and keepdim', scoped(() => {
  const b = tensor([[true, false], [false, false]]);
  assertTensor(b.any(), true, 'bool');
  assertTensor(b.all(), false, 'bool');
  assertTensor(b.any({ dim: 1 }), [true, false]);
  assertTensor(b.any({ dim: 0, keepdim: true }), [[true, false]]);
  assertTensor(b.logicalNot().all({ dim: 0 }), [false, true]);
  assertTensor(tensor([1, 2, 0]).all(), false, 'bool');
  assertTensor(tensor([1, 2, 0]).any(), true, 'bool');
}));
