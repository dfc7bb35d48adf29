/** nn functional layers: embedding, linear, layerNorm, rmsNorm, dropout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, ones, tensor } from '../../src/index.js';
import { assertClose, assertTensor, nest, scoped, uniform } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';
import * as ref from '../helpers/reference.js';

const TIGHT = { atol: 1e-12, rtol: 1e-12 };

test('embedding picks rows of the weight', scoped(() => {
  const w = tensor([[0, 0.5], [1, 1.5], [2, 2.5]]);
  assertTensor(F.embedding(tensor([2, 0, 2]), w), [[2, 2.5], [0, 0.5], [2, 2.5]], 'float32');
  const out = F.embedding(tensor([[0, 1], [1, 2]]), w);
  assert.deepEqual([...out.shape], [2, 2, 2]);
  assertTensor(out, [[[0, 0.5], [1, 1.5]], [[1, 1.5], [2, 2.5]]]);
  assertTensor(F.embedding(tensor([1]), w, 1), [[1, 1.5]], 'float32'); // paddingIdx affects only grads
}));

test('embedding: rows at paddingIdx get no gradient', scoped(() => {
  const w = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64', requiresGrad: true });
  F.embedding(tensor([0, 1, 1, 2]), w, 1).sum().backward();
  assertTensor(w.grad!, [[1, 1], [0, 0], [1, 1]], 'float64');
}));

test('linear: x Wᵀ + b for 1-d, 2-d and 3-d inputs', scoped(() => {
  const x = [[1, 2, 3], [-1, 0, 2]];
  const w = [[0.5, -1, 2], [1, 1, 1]]; // (out 2, in 3)
  const b = [0.25, -3];
  const expected = ref.matmul(x, ref.transpose(w)).map((r) => r.map((v, j) => v + (b[j] as number)));
  const tx = tensor(x, { dtype: 'float64' });
  const tw = tensor(w, { dtype: 'float64' });
  const tb = tensor(b, { dtype: 'float64' });
  assertClose(F.linear(tx, tw, tb), expected, TIGHT);
  assertClose(F.linear(tx, tw), ref.matmul(x, ref.transpose(w)), TIGHT);
  assertClose(F.linear(tx, tw, null), ref.matmul(x, ref.transpose(w)), TIGHT);
  assertClose(F.linear(tx.select(0, 0), tw, tb), expected[0] as number[], TIGHT);
  const y = F.linear(tx.unsqueeze(0).expand(3, 2, 3), tw, tb);
  assert.deepEqual([...y.shape], [3, 2, 2]);
  assertClose(y, [expected, expected, expected], TIGHT);
}));

test('layerNorm matches PyTorch and the JS formula', scoped(() => {
  const fx = opFixtures().layer_norm;
  const x = tensor(fx.x, { dtype: 'float64' });
  const w = tensor(fx.weight, { dtype: 'float64' });
  const b = tensor(fx.bias, { dtype: 'float64' });
  assertClose(F.layerNorm(x, [4]), fx.plain, TIGHT);
  assertClose(F.layerNorm(x, [4], { weight: w, bias: b, eps: 1e-5 }), fx.affine, TIGHT);
  assertClose(F.layerNorm(x, [3, 4]), fx.two_dims, TIGHT);
  const rows = (fx.x as number[][][]).flat();
  const js = rows.map((r) => ref.layerNormRow(r, 1e-5, fx.weight, fx.bias));
  assertClose(F.layerNorm(x, [4], { weight: w, bias: b }).reshape(-1, 4), js, TIGHT);
  // eps matters for near-constant rows.
  const flatRow = [1, 1, 1, 1.001];
  assertClose(F.layerNorm(tensor([flatRow], { dtype: 'float64' }), [4], { eps: 1e-2 }), [ref.layerNormRow(flatRow, 1e-2)], TIGHT);
  const y32 = F.layerNorm(x.float(), [4]);
  assert.equal(y32.dtype, 'float32');
  assertClose(y32, fx.plain, { atol: 1e-5 });
}));

test('rmsNorm: the fused float32 kernel and its backward equal the float64 composed form', scoped(() => {
  // H = 43 exercises the eight-lane sums and their tails; 3 x 37 rows split across threads.
  const [R, C, H] = [3, 37, 43];
  const x64 = tensor(uniform(R * C * H, 21, -3, 3), { dtype: 'float64' }).reshape(R, C, H);
  const w64 = tensor(uniform(H, 22, 0.5, 1.5), { dtype: 'float64' });
  const dy64 = tensor(uniform(R * C * H, 23, -1, 1), { dtype: 'float64' }).reshape(R, C, H);
  const run = (dtype: 'float32' | 'float64') => {
    const x = x64.to(dtype).requiresGrad_(true);
    const w = w64.to(dtype).requiresGrad_(true);
    const y = F.rmsNorm(x, w, 1e-6);
    y.mul(dy64.to(dtype)).sum().backward();
    return [y, x.grad!, w.grad!].map((t) => t.to('float64'));
  };
  const fused = run('float32');
  const exact = run('float64');
  ['y', 'dx', 'dw'].forEach((name, i) => assertClose(fused[i]!, exact[i]!.toArray(), { atol: 1e-5, rtol: 1e-5, msg: name }));
}));

test('rmsNorm matches x / sqrt(mean(x²) + eps) · w', scoped(() => {
  const vals = uniform(2 * 3 * 8, 11, -2, 2);
  const rows = nest(vals, [6, 8]) as number[][];
  const wv = uniform(8, 12, 0.5, 1.5);
  const x32 = tensor(vals).reshape(2, 3, 8);
  const w32 = tensor(wv);
  const out = F.rmsNorm(x32, w32, 1e-6);
  assert.equal(out.dtype, 'float32');
  assert.deepEqual([...out.shape], [2, 3, 8]);
  assertClose(out.reshape(6, 8), rows.map((r) => ref.rmsNormRow(r, 1e-6, wv)), { atol: 1e-5, rtol: 1e-5 });
  assertClose(F.rmsNorm(x32).reshape(6, 8), rows.map((r) => ref.rmsNormRow(r, 1e-6)), { atol: 1e-5, rtol: 1e-5 });
  // Larger eps on small inputs.
  const tiny = [[1e-3, -2e-3, 3e-3]];
  assertClose(F.rmsNorm(tensor(tiny), null, 1e-4), tiny.map((r) => ref.rmsNormRow(r, 1e-4)), { atol: 1e-5, rtol: 1e-5 });
  // bfloat16 in, bfloat16 out (normalised in float32 inside).
  const xb = x32.bfloat16();
  const ob = F.rmsNorm(xb, w32.bfloat16());
  assert.equal(ob.dtype, 'bfloat16');
  assertClose(ob.float().reshape(6, 8), rows.map((r) => ref.rmsNormRow(r, 1e-6, wv)), { atol: 0.05, rtol: 0.02 });
}));

test('rmsNorm keeps float64 precision for float64 inputs', scoped(() => {
  const vals = uniform(2 * 8, 13, -2, 2);
  const rows = nest(vals, [2, 8]) as number[][];
  const wv = uniform(8, 14, 0.5, 1.5);
  const out = F.rmsNorm(tensor(vals, { dtype: 'float64' }).reshape(2, 8), tensor(wv, { dtype: 'float64' }), 1e-6);
  assert.equal(out.dtype, 'float64');
  assertClose(out, rows.map((r) => ref.rmsNormRow(r, 1e-6, wv)), TIGHT);
}));

test('dropout: identity when p = 0 or not training', scoped(() => {
  const x = tensor(uniform(100, 21));
  assert.ok(F.dropout(x, 0).equal(x), 'p = 0');
  assert.ok(F.dropout(x, 0.5, false).equal(x), 'training = false');
  assert.ok(F.dropout(x, 0.9, false).equal(x), 'training = false, p = 0.9');
}));

test('dropout: p = 0.5 zeroes about half and scales survivors by 2', scoped(() => {
  manualSeed(5);
  const n = 20000;
  const x = tensor(uniform(n, 22, 1, 2));
  const y = F.dropout(x, 0.5);
  assert.equal(y.dtype, 'float32');
  const zeroFrac = y.eq(0).float().mean().item();
  assert.ok(Math.abs(zeroFrac - 0.5) < 0.02, `zero fraction ${zeroFrac}`);
  const kept = y.ne(0);
  assert.ok(y.maskedSelect(kept).allclose(x.maskedSelect(kept).mul(2)), 'survivors are scaled by 1/(1-p)');
  const q = F.dropout(ones([n]), 0.2);
  assert.ok(Math.abs(q.eq(0).float().mean().item() - 0.2) < 0.02);
  assert.ok(q.maskedSelect(q.ne(0)).allclose(ones([1]).mul(1.25)));
  assertTensor(F.dropout(ones([4]), 1), [0, 0, 0, 0], 'float32');
}));
