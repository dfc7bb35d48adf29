/** maskedSum / maskedMean / maskedVar / maskedWhiten against JS references and TRL semantics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { maskedMean, maskedSum, maskedVar, maskedWhiten } from '../../src/rl/index.js';
import { assertClose, scoped } from '../helpers/assert.js';

const X = [[1, 2, 3, 4], [5, 6, 7, 8]];
const M = [[1, 1, 0, 0], [1, 1, 1, 0]];
const sel = [1, 2, 5, 6, 7];
const mean = sel.reduce((a, b) => a + b) / sel.length;
const varUnbiased = sel.reduce((a, b) => a + (b - mean) ** 2, 0) / (sel.length - 1);

test('maskedSum and maskedMean over everything and along a dim', scoped(() => {
  const x = tensor(X, { dtype: 'float64' });
  const m = tensor(M, { dtype: 'float64' });
  assertClose(maskedSum(x, m), 21);
  assertClose(maskedMean(x, m), mean);
  assertClose(maskedSum(x, m, { dim: 1 }), [3, 18]);
  assertClose(maskedMean(x, m, { dim: 1 }), [1.5, 6]);
  assertClose(maskedMean(x, m, { dim: 1, keepdim: true }), [[1.5], [6]]);
  // bool masks work the same
  assertClose(maskedMean(x, m.gt(0)), mean);
}));

test('maskedVar is unbiased by default; maskedWhiten is (x - mean) * rsqrt(var + 1e-8)', scoped(() => {
  const x = tensor(X, { dtype: 'float64' });
  const m = tensor(M, { dtype: 'float64' });
  assertClose(maskedVar(x, m), varUnbiased, { atol: 1e-12 });
  assertClose(maskedVar(x, m, false), (varUnbiased * 4) / 5, { atol: 1e-12 });
  const w = X.map((r) => r.map((v) => (v - mean) / Math.sqrt(varUnbiased + 1e-8)));
  assertClose(maskedWhiten(x, m), w, { atol: 1e-12 });
  assertClose(maskedWhiten(x, m, { shiftMean: false }), w.map((r) => r.map((v) => v + mean)), { atol: 1e-12 });
}));

test('an empty mask throws instead of dividing by zero', scoped(() => {
  const x = tensor(X, { dtype: 'float32' });
  const zero = tensor([[0, 0, 0, 0], [0, 0, 0, 0]], { dtype: 'float32' });
  assert.throws(() => maskedMean(x, zero), /selects 0 element/);
  assert.throws(() => maskedSum(x, zero), /selects 0 element/);
  assert.throws(() => maskedWhiten(x, zero), /selects 0 element/);
  const rowEmpty = tensor([[1, 0, 0, 0], [0, 0, 0, 0]], { dtype: 'float32' });
  assert.throws(() => maskedMean(x, rowEmpty, { dim: 1 }), /along dim 1/);
  assert.throws(() => maskedVar(x, rowEmpty), /at least 2/);
  assert.throws(() => maskedMean(x, tensor([1, 0])), /mask shape/);
}));
