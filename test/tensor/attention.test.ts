/** scaledDotProductAttention against a float64 JS reference. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, type Tensor } from '../../src/index.js';
import { assertClose, nest, scoped, uniform } from '../helpers/assert.js';
import * as ref from '../helpers/reference.js';

const TIGHT = { atol: 1e-12, rtol: 1e-10 };
type M = number[][];

interface Case {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  qv: M[][];
  kv: M[][];
  vv: M[][];
}

/** Random float64 q (B, H, L, E), k (B, H, S, E), v (B, H, S, Ev) and their nested values. */
function makeCase(B: number, H: number, L: number, S: number, E: number, Ev: number, seed: number): Case {
  const q = uniform(B * H * L * E, seed, -2, 2);
  const k = uniform(B * H * S * E, seed + 1, -2, 2);
  const v = uniform(B * H * S * Ev, seed + 2, -2, 2);
  return {
    q: tensor(q, { dtype: 'float64' }).reshape(B, H, L, E),
    k: tensor(k, { dtype: 'float64' }).reshape(B, H, S, E),
    v: tensor(v, { dtype: 'float64' }).reshape(B, H, S, Ev),
    qv: nest(q, [B, H, L, E]) as M[][],
    kv: nest(k, [B, H, S, E]) as M[][],
    vv: nest(v, [B, H, S, Ev]) as M[][],
  };
}

/** The reference applied head by head; `perHead` may vary the options with (b, h). */
function expected(c: Case, perHead: (b: number, h: number) => ref.AttentionRefOptions): M[][] {
  return c.qv.map((qb, b) => qb.map((qh, h) => ref.attention(qh, c.kv[b]![h]!, c.vv[b]![h]!, perHead(b, h))));
}

test('sdpa without a mask', scoped(() => {
  const c = makeCase(2, 2, 3, 5, 4, 3, 100);
  const out = F.scaledDotProductAttention(c.q, c.k, c.v);
  assert.equal(out.dtype, 'float64');
  assert.deepEqual([...out.shape], [2, 2, 3, 3]);
  assertClose(out, expected(c, () => ({})), TIGHT);
}));

test('sdpa with an explicit scale', scoped(() => {
  const c = makeCase(1, 2, 4, 4, 8, 8, 200);
  assertClose(F.scaledDotProductAttention(c.q, c.k, c.v, { scale: 0.3 }), expected(c, () => ({ scale: 0.3 })), TIGHT);
}));

test('sdpa causal: query i sees keys <= i', scoped(() => {
  const c = makeCase(2, 3, 5, 5, 4, 2, 300);
  const out = F.scaledDotProductAttention(c.q, c.k, c.v, { isCausal: true });
  assertClose(out, expected(c, () => ({ causal: true })), TIGHT);
  // The first query attends only to the first key: output row 0 equals v row 0.
  assertClose(out.select(2, 0), c.v.select(2, 0).toArray(), TIGHT);
}));

test('sdpa with a boolean mask (true = may attend), broadcast over batch and heads', scoped(() => {
  const c = makeCase(2, 2, 3, 4, 4, 4, 400);
  const mask = [
    [true, false, true, true],
    [false, true, false, false],
    [true, true, true, false],
  ];
  const out = F.scaledDotProductAttention(c.q, c.k, c.v, { mask: tensor(mask) });
  assertClose(out, expected(c, () => ({ boolMask: mask })), TIGHT);
}));

test('sdpa with a per-batch boolean padding mask (B, 1, 1, S)', scoped(() => {
  const c = makeCase(2, 2, 3, 4, 4, 4, 450);
  const keep = [
    [true, true, true, false],
    [true, true, false, false],
  ];
  const mask = tensor(keep).reshape(2, 1, 1, 4);
  const out = F.scaledDotProductAttention(c.q, c.k, c.v, { mask });
  assertClose(out, expected(c, (b) => ({ boolMask: [keep[b]!, keep[b]!, keep[b]!] })), TIGHT);
}));

test('sdpa with a float additive mask', scoped(() => {
  const c = makeCase(1, 2, 3, 4, 4, 2, 500);
  const add = [
    [0, -1.5, 0.25, -Infinity],
    [2, 0, 0, 0],
    [-Infinity, -0.5, 0, 1],
  ];
  const out = F.scaledDotProductAttention(c.q, c.k, c.v, { mask: tensor(add, { dtype: 'float64' }) });
  assertClose(out, expected(c, () => ({ addMask: add })), TIGHT);
}));

test('sdpa: forceMath gives the same result as the default path', scoped(() => {
  const c = makeCase(2, 2, 4, 4, 8, 8, 600);
  const mask = tensor([[true, true, false, true], [true, false, true, true], [true, true, true, true], [false, true, true, true]]);
  for (const opts of [{}, { isCausal: true }, { mask }, { scale: 0.2 }]) {
    const a = F.scaledDotProductAttention(c.q, c.k, c.v, opts);
    const b = F.scaledDotProductAttention(c.q, c.k, c.v, { ...opts, forceMath: true });
    assert.ok(a.allclose(b, { rtol: 1e-12, atol: 1e-12 }), `forceMath differs for ${JSON.stringify(Object.keys(opts))}`);
  }
  // float32 too (a fused kernel, where there is one, must agree within float32 precision).
  const a32 = F.scaledDotProductAttention(c.q.float(), c.k.float(), c.v.float(), { isCausal: true });
  const m32 = F.scaledDotProductAttention(c.q.float(), c.k.float(), c.v.float(), { isCausal: true, forceMath: true });
  assert.equal(a32.dtype, 'float32');
  assert.ok(a32.allclose(m32, { rtol: 1e-5, atol: 1e-6 }));
  assertClose(a32, expected(c, () => ({ causal: true })), { atol: 1e-5, rtol: 1e-5 });
}));

test('sdpa over long causal sequences (key blocks skipped without a fused kernel) equals the reference, gradients too', scoped(() => {
  const [B, H, L] = [2, 2, 150]; // > 64: several query blocks
  const c = makeCase(B, H, L, L, 4, 3, 700);
  assertClose(F.scaledDotProductAttention(c.q, c.k, c.v, { isCausal: true }), expected(c, () => ({ causal: true })), TIGHT);
  // Causal + padding as the decoder builds it (lowest finite value where barred), with the hint.
  const lengths = [150, 97];
  const allowed = (b: number, i: number, j: number) => j <= i && j < lengths[b]!;
  const add = Array.from({ length: B }, (_, b) => [Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => (allowed(b, i, j) ? 0 : -1.7976931348623157e308)))]);
  const mask = tensor(add, { dtype: 'float64' }); // (B, 1, L, L)
  const realRows = tensor(Array.from({ length: B }, (_, b) => [Array.from({ length: L }, (_, i) => [i < lengths[b]! ? 1 : 0])]), { dtype: 'float64' });
  const grads = (opts: F.AttentionOptions) => {
    const [q, k, v] = [c.q, c.k, c.v].map((t) => t.detach().requiresGrad_(true)) as [Tensor, Tensor, Tensor];
    const out = F.scaledDotProductAttention(q, k, v, opts);
    out.mul(realRows).mul(out).sum().backward();
    return { out: out.mul(realRows), grads: [q.grad!, k.grad!, v.grad!] };
  };
  const hinted = grads({ mask, maskIsCausal: true });
  const math = grads({ mask, forceMath: true });
  assertClose(hinted.out, math.out.toArray(), TIGHT);
  hinted.grads.forEach((g, i) => assertClose(g, math.grads[i]!.toArray(), TIGHT));
}));

test('sdpa over long causal sequences with grouped key/value heads equals repeated heads, gradients too', scoped(() => {
  const [B, L] = [2, 150];
  const c = makeCase(B, 6, L, L, 4, 3, 750); // 6 query heads
  const lengths = [150, 97];
  const add = Array.from({ length: B }, (_, b) => [Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => (j <= i && j < lengths[b]! ? 0 : -1.7976931348623157e308)))]);
  const mask = tensor(add, { dtype: 'float64' });
  const realRows = tensor(Array.from({ length: B }, (_, b) => [Array.from({ length: L }, (_, i) => [i < lengths[b]! ? 1 : 0])]), { dtype: 'float64' });
  const repeat = (t: Tensor) => t.unsqueeze(2).expand(B, 2, 3, L, t.size(3)).reshape(B, 6, L, t.size(3));
  for (const opts of [{ isCausal: true }, { mask, maskIsCausal: true }] as F.AttentionOptions[]) {
    const q = c.q.detach().requiresGrad_(true);
    const [k, v] = [c.k, c.v].map((t) => t.narrow(1, 0, 2).detach().requiresGrad_(true)) as [Tensor, Tensor];
    const grouped = F.scaledDotProductAttention(q, k, v, { ...opts, enableGqa: true }).mul(realRows);
    grouped.mul(grouped).sum().backward();
    const q2 = c.q.detach().requiresGrad_(true);
    const [k2, v2] = [c.k, c.v].map((t) => t.narrow(1, 0, 2).detach().requiresGrad_(true)) as [Tensor, Tensor];
    const { maskIsCausal: _hint, ...plain } = opts;
    const repeated = F.scaledDotProductAttention(q2, repeat(k2), repeat(v2), { ...plain, forceMath: true }).mul(realRows);
    repeated.mul(repeated).sum().backward();
    assertClose(grouped, repeated.toArray(), TIGHT);
    [[q, q2], [k, k2], [v, v2]].forEach(([a, b]) => assertClose(a!.grad!, b!.grad!.toArray(), TIGHT));
  }
}));

test('sdpa enableGqa: fewer key/value heads equal explicitly repeated ones, gradients summed over each group', scoped(() => {
  const c = makeCase(2, 6, 5, 5, 4, 3, 800); // q: 6 heads
  const kv = (t: Tensor) => t.narrow(1, 0, 2).detach().requiresGrad_(true); // 2 key/value heads: 3 query heads each
  const [k2, v2] = [kv(c.k), kv(c.v)];
  const repeat = (t: Tensor) => t.unsqueeze(2).expand(2, 2, 3, 5, t.size(3)).reshape(2, 6, 5, t.size(3));
  const [k6, v6] = [k2, v2].map((t) => repeat(t.detach()).requiresGrad_(true)) as [Tensor, Tensor];
  for (const opts of [{ isCausal: true }, { mask: tensor([[true, false, true, true, true]]) }]) {
    const grouped = F.scaledDotProductAttention(c.q, k2, v2, { ...opts, enableGqa: true });
    const repeated = F.scaledDotProductAttention(c.q, k6, v6, opts);
    assertClose(grouped, repeated.toArray(), TIGHT);
    grouped.sum().backward();
    repeated.sum().backward();
    // The grouped key's gradient is the sum over the query heads that read it.
    assertClose(k2.grad!, k6.grad!.view(2, 2, 3, 5, 4).sum({ dim: 2 }).toArray(), TIGHT);
    assertClose(v2.grad!, v6.grad!.view(2, 2, 3, 5, 3).sum({ dim: 2 }).toArray(), TIGHT);
    for (const t of [k2, v2, k6, v6]) t.zeroGrad();
  }
  assert.throws(() => F.scaledDotProductAttention(c.q, c.k.narrow(1, 0, 4), c.v.narrow(1, 0, 4), { enableGqa: true }), /query heads \(6\) divisible by key\/value heads \(4\)/);
}));

test('sdpa with one query position (decoding), grouped or not, masked or not, equals the math path', scoped(() => {
  const c = makeCase(2, 6, 1, 7, 4, 3, 900);
  const add = tensor([[[[0, -1, 0, -Infinity, 0.5, 0, 0]]], [[[0, 0, -2, 0, 0, -Infinity, 0]]]], { dtype: 'float64' }); // (B, 1, 1, S)
  const keep = tensor([[[[true, true, false, true, true, true, false]]], [[[true, false, true, true, true, true, true]]]]);
  for (const mask of [null, add, keep]) {
    const full = F.scaledDotProductAttention(c.q, c.k, c.v, { mask, forceMath: true });
    assertClose(F.scaledDotProductAttention(c.q, c.k, c.v, { mask }), full.toArray(), TIGHT);
    // Two key/value heads read by three query heads each.
    const [k2, v2] = [c.k, c.v].map((t) => t.narrow(1, 0, 2)) as [Tensor, Tensor];
    const rep = (t: Tensor) => t.unsqueeze(2).expand(2, 2, 3, 7, t.size(3)).reshape(2, 6, 7, t.size(3));
    const want = F.scaledDotProductAttention(c.q, rep(k2), rep(v2), { mask, forceMath: true });
    assertClose(F.scaledDotProductAttention(c.q, k2, v2, { mask, enableGqa: true }), want.toArray(), TIGHT);
  }
  // isCausal with L = 1 < S is PyTorch's top-left alignment: the query sees key 0 only.
  assertClose(F.scaledDotProductAttention(c.q, c.k, c.v, { isCausal: true }), c.v.narrow(2, 0, 1).toArray(), TIGHT);
}));

test('sdpa: mask and isCausal together are rejected', scoped(() => {
  const c = makeCase(1, 1, 2, 2, 2, 2, 700);
  assert.throws(() => F.scaledDotProductAttention(c.q, c.k, c.v, { isCausal: true, mask: tensor([[true, true], [true, true]]) }));
}));
