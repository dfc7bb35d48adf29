/** Gathering, scattering, masking, sorting and sampling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, where, zeros } from '../../src/index.js';
import { assertTensor, scoped } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';

test('gather along dim 1 and dim 0', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assertTensor(x.gather(1, tensor([[2, 0], [1, 1]])), [[3, 1], [5, 5]], 'int64');
  assertTensor(x.gather(0, tensor([[1, 0, 1]])), [[4, 2, 6]]);
  assertTensor(x.float().gather(-1, tensor([[0], [2]])), [[1], [6]], 'float32');
}));

test('scatter with a tensor or a scalar source', scoped(() => {
  const base = zeros([2, 4]);
  const idx = tensor([[1, 3], [0, 2]]);
  assertTensor(base.scatter(1, idx, tensor([[10, 20], [30, 40]]).float()), [[0, 10, 0, 20], [30, 0, 40, 0]]);
  assertTensor(base.scatter(1, idx, 5), [[0, 5, 0, 5], [5, 0, 5, 0]]);
  assertTensor(base, [[0, 0, 0, 0], [0, 0, 0, 0]], 'float32');
  assertTensor(zeros([3, 2]).scatter(0, tensor([[2, 0]]), tensor([[1.5, 2.5]])), [[0, 2.5], [0, 0], [1.5, 0]]);
}));

test('scatterAdd accumulates duplicate indices', scoped(() => {
  const out = zeros([5]).scatterAdd(0, tensor([0, 1, 0, 4, 0]), tensor([1, 2, 3, 4, 5]).float());
  assertTensor(out, [9, 2, 0, 0, 4], 'float32');
  const m = zeros([2, 3]).scatterAdd(1, tensor([[0, 0, 2], [1, 1, 1]]), tensor([[1, 2, 3], [4, 5, 6]]).float());
  assertTensor(m, [[3, 0, 3], [0, 15, 0]]);
}));

test('indexSelect', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assertTensor(x.indexSelect(0, tensor([2, 0, 2])), [[7, 8, 9], [1, 2, 3], [7, 8, 9]]);
  assertTensor(x.indexSelect(1, tensor([1])), [[2], [5], [8]]);
  assertTensor(x.indexSelect(-1, tensor([2, 1])), [[3, 2], [6, 5], [9, 8]]);
}));

test('index: advanced indexing with tensors, null and bool masks', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assertTensor(x.index([tensor([0, 2])]), [[1, 2, 3], [7, 8, 9]]); // x[[0, 2]]
  assertTensor(x.index([null, tensor([2, 0])]), [[3, 1], [6, 4], [9, 7]]); // x[:, [2, 0]]
  assertTensor(x.index([tensor([0, 1, 2]), tensor([2, 1, 0])]), [3, 5, 7]); // pairwise
  assertTensor(x.index([tensor([true, false, true])]), [[1, 2, 3], [7, 8, 9]]);
  assertTensor(x.index([x.gt(6)]), [7, 8, 9]);
  assertTensor(x.index([tensor([-1])]), [[7, 8, 9]], 'int64'); // negative indices wrap
}));

test('maskedFill, maskedFill_, maskedSelect, nonzero', scoped(() => {
  const x = tensor([[1, -2], [-3, 4]]).float();
  const neg = x.lt(0);
  assertTensor(x.maskedFill(neg, 0), [[1, 0], [0, 4]], 'float32');
  assertTensor(x.maskedFill(tensor([true, false]), -Infinity), [[-Infinity, -2], [-Infinity, 4]], 'float32');
  assertTensor(x, [[1, -2], [-3, 4]], 'float32');
  const r = x.maskedFill_(neg, 9);
  assert.equal(r, x, 'in-place returns this');
  assertTensor(x, [[1, 9], [9, 4]]);
  assertTensor(tensor([5, 6, 7]).maskedSelect(tensor([true, false, true])), [5, 7]);
  assertTensor(tensor([[0, 1], [2, 0]]).nonzero(), [[0, 1], [1, 0]], 'int64');
}));

test('where: method, free function, scalar operands', scoped(() => {
  const c = tensor([true, false, true]);
  const a = tensor([1, 2, 3]).float();
  const b = tensor([10, 20, 30]).float();
  assertTensor(a.where(c, b), [1, 20, 3], 'float32');
  assertTensor(where(c, a, b), [1, 20, 3], 'float32');
  assertTensor(where(c, a, 0), [1, 0, 3], 'float32');
  assertTensor(where(c, 1.5, b), [1.5, 20, 1.5], 'float32');
  assertTensor(where(tensor([[true], [false]]), a, b), [[1, 2, 3], [10, 20, 30]], 'float32');
  assertTensor(where(c, tensor([1, 2, 3]), tensor([4, 5, 6])), [1, 5, 3], 'int64');
}));

test('topk: largest and smallest, with indices, along a dim', scoped(() => {
  const x = tensor([[3, 1, 4, 1.5, 9], [2, 7, 1, 8, 2.5]]);
  const { values, indices } = x.topk(2);
  assertTensor(values, [[9, 4], [8, 7]], 'float32');
  assertTensor(indices, [[4, 2], [3, 1]], 'int64');
  const small = x.topk(3, { largest: false });
  assertTensor(small.values, [[1, 1.5, 3], [1, 2, 2.5]]);
  assertTensor(small.indices, [[1, 3, 0], [2, 0, 4]]);
  const d0 = x.topk(1, { dim: 0 });
  assertTensor(d0.values, [[3, 7, 4, 8, 9]]);
  assertTensor(d0.indices, [[0, 1, 0, 1, 0]]);
}));

test('sort / argsort, descending and stable', scoped(() => {
  const x = tensor([3, 1, 2, 5, 4]).float();
  const asc = x.sort();
  assertTensor(asc.values, [1, 2, 3, 4, 5], 'float32');
  assertTensor(asc.indices, [1, 2, 0, 4, 3], 'int64');
  const desc = x.sort({ descending: true });
  assertTensor(desc.values, [5, 4, 3, 2, 1]);
  assertTensor(desc.indices, [3, 4, 0, 2, 1]);
  assertTensor(x.argsort(), [1, 2, 0, 4, 3], 'int64');
  assertTensor(x.argsort({ descending: true }), [3, 4, 0, 2, 1]);
  // Stable sort keeps equal keys in input order.
  const ties = tensor([2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]);
  const expectStable = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18];
  assertTensor(ties.sort({ stable: true }).indices, expectStable);
  assertTensor(ties.argsort({ stable: true }), expectStable);
  assertTensor(tensor([[3, 1], [0, 2]]).sort({ dim: 0 }).values, [[0, 1], [3, 2]]);
}));

test('multinomial: seeded, reproducible and PyTorch-identical', scoped(() => {
  const fx = opFixtures().rng;
  const probs = tensor(fx.multinomial_probs as number[]);
  manualSeed(7);
  const a = probs.multinomial(8, true);
  assert.equal(a.dtype, 'int64');
  assertTensor(a, fx.seed7_multinomial_8_replacement);
  manualSeed(7);
  assertTensor(probs.multinomial(8, true), a.toArray());
  manualSeed(7);
  assertTensor(probs.multinomial(4, false), fx.seed7_multinomial_4_no_replacement);
}));

test('multinomial: a one-hot distribution always gives its index', scoped(() => {
  const oneHot = tensor([0, 0, 1, 0]).float();
  assertTensor(oneHot.multinomial(10, true), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 'int64');
  const rows = tensor([[0, 5, 0], [0, 0, 0.1]]); // unnormalised weights are fine
  assertTensor(rows.multinomial(3, true), [[1, 1, 1], [2, 2, 2]]);
  const perm = tensor([1, 1, 1, 1, 1]).float().multinomial(5, false);
  assert.deepEqual([...(perm.toArray() as number[])].sort(), [0, 1, 2, 3, 4], 'no replacement: each index once');
}));

test('oneHot', scoped(() => {
  assertTensor(tensor([0, 2, 1]).oneHot(), [[1, 0, 0], [0, 0, 1], [0, 1, 0]], 'int64');
  assertTensor(tensor([1, 0]).oneHot(4), [[0, 1, 0, 0], [1, 0, 0, 0]], 'int64');
  assert.deepEqual([...tensor([[0, 1], [2, 3]]).oneHot(5).shape], [2, 2, 5]);
}));

test('triu / tril with diagonal offsets', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assertTensor(x.triu(), [[1, 2, 3], [0, 5, 6], [0, 0, 9]]);
  assertTensor(x.triu(1), [[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
  assertTensor(x.triu(-1), [[1, 2, 3], [4, 5, 6], [0, 8, 9]]);
  assertTensor(x.tril(), [[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
  assertTensor(x.tril(-1), [[0, 0, 0], [4, 0, 0], [7, 8, 0]]);
  assertTensor(x.tril(1), [[1, 2, 0], [4, 5, 6], [7, 8, 9]]);
  assertTensor(tensor([[1, 1, 1, 1], [1, 1, 1, 1]]).bool().tril(), [[true, false, false, false], [true, true, false, false]]);
}));
