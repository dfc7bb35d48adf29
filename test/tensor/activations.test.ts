/** Activations, softmax and matrix products against float64 references. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { einsum, F, tensor, type Tensor } from '../../src/index.js';
import { assertClose, assertTensor, nest, scoped, uniform } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';
import * as ref from '../helpers/reference.js';

const TIGHT = { atol: 1e-12, rtol: 1e-12 };

test('activations match their formulas in float64', scoped(() => {
  const fx = opFixtures().activations;
  const xs = fx.x as number[];
  const x = tensor(xs, { dtype: 'float64' });
  const check = (actual: Tensor, f: (v: number) => number, name: string): void => {
    assert.equal(actual.dtype, 'float64', name);
    assertClose(actual, xs.map(f), { ...TIGHT, msg: name });
  };
  check(x.relu(), (v) => Math.max(v, 0), 'relu');
  check(x.gelu(), ref.gelu, 'gelu (erf)');
  check(x.gelu('none'), ref.gelu, 'gelu none');
  check(x.gelu('tanh'), ref.geluTanh, 'gelu tanh');
  check(x.silu(), ref.silu, 'silu');
  check(x.sigmoid(), ref.sigmoid, 'sigmoid');
  check(x.tanh(), Math.tanh, 'tanh');
  check(x.softplus(), (v) => ref.softplus(v), 'softplus');
  check(x.softplus(2, 5), (v) => ref.softplus(v, 2, 5), 'softplus beta 2 threshold 5');
  check(x.logsigmoid(), ref.logsigmoid, 'logsigmoid');
  check(F.gelu(x, 'tanh'), ref.geluTanh, 'F.gelu tanh');
  check(F.silu(x), ref.silu, 'F.silu');
  check(F.relu(x), (v) => Math.max(v, 0), 'F.relu');
  check(F.sigmoid(x), ref.sigmoid, 'F.sigmoid');
  check(F.tanh(x), Math.tanh, 'F.tanh');
  check(F.softplus(x, 2, 5), (v) => ref.softplus(v, 2, 5), 'F.softplus');
  check(F.logsigmoid(x), ref.logsigmoid, 'F.logsigmoid');
}));

test('activations match PyTorch values (float64 and float32)', scoped(() => {
  const fx = opFixtures().activations;
  const x64 = tensor(fx.x as number[], { dtype: 'float64' });
  const pairs: [string, (t: Tensor) => Tensor][] = [
    ['gelu', (t) => t.gelu()],
    ['gelu_tanh', (t) => t.gelu('tanh')],
    ['silu', (t) => t.silu()],
    ['sigmoid', (t) => t.sigmoid()],
    ['tanh', (t) => t.tanh()],
    ['softplus', (t) => t.softplus()],
    ['softplus_beta2_threshold5', (t) => t.softplus(2, 5)],
    ['logsigmoid', (t) => t.logsigmoid()],
    ['relu', (t) => t.relu()],
  ];
  for (const [name, f] of pairs) {
    assertClose(f(x64), fx[name], { ...TIGHT, msg: name });
    const y32 = f(x64.float());
    assert.equal(y32.dtype, 'float32', name);
    assertClose(y32, fx[name], { atol: 1e-6, rtol: 1e-6, msg: `${name} float32` });
  }
}));

test('softmax / logSoftmax along each dim, with -inf and a dtype', scoped(() => {
  const rows = [[1, 2, 3], [-1, 0, 10], [5, 5, 5]];
  const x = tensor(rows, { dtype: 'float64' });
  assertClose(x.softmax(-1), rows.map(ref.softmax), TIGHT);
  assertClose(x.softmax(1), rows.map(ref.softmax), TIGHT);
  assertClose(x.logSoftmax(-1), rows.map(ref.logSoftmax), TIGHT);
  const cols = ref.transpose(rows);
  assertClose(x.softmax(0), ref.transpose(cols.map(ref.softmax)), TIGHT);
  assertClose(x.logSoftmax(0), ref.transpose(cols.map(ref.logSoftmax)), TIGHT);
  assertClose(F.softmax(x, -1), rows.map(ref.softmax), TIGHT);
  assertClose(F.logSoftmax(x, -1), rows.map(ref.logSoftmax), TIGHT);
  // Masked (-inf) entries get probability 0; large logits do not overflow.
  assertClose(tensor([0, -Infinity, 0]).softmax(0), [0.5, 0, 0.5]);
  assertClose(tensor([1000, 1000]).float().softmax(0), [0.5, 0.5]);
  assertClose(tensor([1000, 0]).float().logSoftmax(0), [0, -1000]);
  const asF64 = tensor([1, 2]).float().softmax(0, 'float64');
  assert.equal(asF64.dtype, 'float64');
  assertClose(asF64, ref.softmax([1, 2]), TIGHT);
  assert.equal(tensor([1, 2]).float().logSoftmax(0, 'float64').dtype, 'float64');
}));

test('matmul: 2-d, vector, and broadcast batches', scoped(() => {
  const a = [[1, 2, 3], [4, 5, 6]];
  const b = [[7, 8], [9, 10], [11, 12]];
  const ta = tensor(a, { dtype: 'float64' });
  const tb = tensor(b, { dtype: 'float64' });
  assertTensor(ta.matmul(tb), ref.matmul(a, b), 'float64');
  assertTensor(ta.mm(tb), ref.matmul(a, b), 'float64');
  assertTensor(F.matmul(ta, tb), ref.matmul(a, b), 'float64');
  assertTensor(tensor([1, 2, 3]).float().matmul(tensor(b).float()), [58, 64], 'float32'); // (3) @ (3, 2)
  assertTensor(ta.matmul(tensor([1, 0, 1], { dtype: 'float64' })), [4, 10], 'float64'); // (2, 3) @ (3)
  assert.equal(tensor([1, 2]).float().matmul(tensor([3, 4]).float()).item(), 11); // dot
  assertTensor(tensor(a).matmul(tensor(b)), ref.matmul(a, b), 'int64');
  // (2, 1, 2, 3) @ (4, 3, 2) -> (2, 4, 2, 2)
  const x = uniform(12, 1);
  const y = uniform(24, 2);
  const out = tensor(x, { dtype: 'float64' }).reshape(2, 1, 2, 3).matmul(tensor(y, { dtype: 'float64' }).reshape(4, 3, 2));
  assert.deepEqual([...out.shape], [2, 4, 2, 2]);
  const xv = nest(x, [2, 2, 3]) as number[][][];
  const yv = nest(y, [4, 3, 2]) as number[][][];
  assertClose(out, xv.map((xi) => yv.map((yj) => ref.matmul(xi, yj))), TIGHT);
}));

test('bmm and einsum', scoped(() => {
  const x = uniform(2 * 2 * 3, 3);
  const y = uniform(2 * 3 * 4, 4);
  const xv = nest(x, [2, 2, 3]) as number[][][];
  const yv = nest(y, [2, 3, 4]) as number[][][];
  const tx = tensor(x, { dtype: 'float64' }).reshape(2, 2, 3);
  const ty = tensor(y, { dtype: 'float64' }).reshape(2, 3, 4);
  const expected = xv.map((xi, i) => ref.matmul(xi, yv[i] as number[][]));
  assertClose(tx.bmm(ty), expected, TIGHT);
  assertClose(F.bmm(tx, ty), expected, TIGHT);
  assertClose(einsum('bij,bjk->bik', tx, ty), expected, TIGHT);
  const m = [[1, 2], [3, 4]];
  const tm = tensor(m, { dtype: 'float64' });
  assertTensor(einsum('ij,jk->ik', tm, tm), ref.matmul(m, m), 'float64');
  assertTensor(einsum('ij->ji', tm), [[1, 3], [2, 4]]);
  assertTensor(einsum('ii->i', tm), [1, 4]);
  assertTensor(einsum('ii', tm), 5);
  assertTensor(einsum('ij->', tm), 10);
  assertTensor(einsum('i,j->ij', tensor([1, 2], { dtype: 'float64' }), tensor([3, 4, 5], { dtype: 'float64' })), [[3, 4, 5], [6, 8, 10]]);
  // Attention-style contraction over heads: (b, h, l, d) x (b, h, s, d) -> (b, h, l, s)
  const q = tx.reshape(2, 1, 2, 3);
  const k = tx.reshape(2, 1, 2, 3);
  assertClose(einsum('bhld,bhsd->bhls', q, k), q.matmul(k.mT).toArray(), TIGHT);
}));
