/**
 * Float32 attention on the CPU (the addon's fused kernel where libtorch has none) against the
 * float64 math path on the same values: outputs and the gradients of q, k and v.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, type Tensor } from '../../src/index.js';
import { assertClose, scoped, uniform } from '../helpers/assert.js';

const FLOAT32 = { atol: 2e-5, rtol: 1e-4 };
const LOWEST = -3.4028234663852886e38;

interface Shape {
  B: number;
  H: number;
  KV: number;
  L: number;
  S: number;
  d: number;
  dv: number;
}

/** q as (B, L, H, d) seen as (B, H, L, d), the layout the decoder hands over; k, v contiguous. */
function inputs(s: Shape, seed: number): { q: Tensor; k: Tensor; v: Tensor; gradOut: Tensor } {
  const q = tensor(uniform(s.B * s.L * s.H * s.d, seed, -2, 2), { dtype: 'float64' }).reshape(s.B, s.L, s.H, s.d).transpose(1, 2);
  const k = tensor(uniform(s.B * s.KV * s.S * s.d, seed + 1, -2, 2), { dtype: 'float64' }).reshape(s.B, s.KV, s.S, s.d);
  const v = tensor(uniform(s.B * s.KV * s.S * s.dv, seed + 2, -2, 2), { dtype: 'float64' }).reshape(s.B, s.KV, s.S, s.dv);
  const gradOut = tensor(uniform(s.B * s.H * s.L * s.dv, seed + 3), { dtype: 'float64' }).reshape(s.B, s.H, s.L, s.dv);
  return { q, k, v, gradOut };
}

/** Output and input gradients (of Σ out · gradOut) in the given dtype. */
function run(x: ReturnType<typeof inputs>, dtype: 'float32' | 'float64', opts: F.AttentionOptions): Tensor[] {
  const [q, k, v] = [x.q, x.k, x.v].map((t) => t.to(dtype).detach().requiresGrad_(true)) as [Tensor, Tensor, Tensor];
  const mask = opts.mask && opts.mask.dtype !== 'bool' ? opts.mask.to(dtype) : opts.mask;
  const out = F.scaledDotProductAttention(q, k, v, { ...opts, mask });
  out.mul(x.gradOut.to(dtype)).sum().backward();
  return [out, q.grad!, k.grad!, v.grad!];
}

/** float32 with the given options against float64 math, which never takes the fused kernel. */
function assertMatchesMath(x: ReturnType<typeof inputs>, opts: F.AttentionOptions, label: string): void {
  const got = run(x, 'float32', opts);
  const { maskIsCausal: _hint, ...plain } = opts;
  const want = run(x, 'float64', { ...plain, forceMath: true });
  assert.equal(got[0]!.dtype, 'float32');
  ['out', 'dq', 'dk', 'dv'].forEach((name, i) => {
    assert.deepEqual([...got[i]!.shape], [...want[i]!.shape], `${label}: ${name} shape`);
    assertClose(got[i]!.double(), want[i]!.toArray(), { ...FLOAT32, msg: `${label}: ${name}` });
  });
}

/** Causal + right padding as the decoder builds it: 0 where allowed, the lowest float elsewhere. */
function paddedCausalMask(lengths: number[], L: number): Tensor {
  const rows = lengths.map((n) => [Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => (j <= i && j < n ? 0 : LOWEST)))]);
  return tensor(rows, { dtype: 'float32' }); // (B, 1, L, L)
}

test('float32 causal attention over several query blocks, grouped heads, equals float64 math (gradients too)', scoped(() => {
  const x = inputs({ B: 2, H: 6, KV: 2, L: 150, S: 150, d: 8, dv: 8 }, 10);
  assertMatchesMath(x, { isCausal: true, enableGqa: true }, 'causal gqa');
}));

test('float32 attention with a padding + causal mask and the maskIsCausal hint equals float64 math', scoped(() => {
  const x = inputs({ B: 3, H: 4, KV: 4, L: 130, S: 130, d: 16, dv: 8 }, 20);
  const mask = paddedCausalMask([130, 77, 1], 130);
  assertMatchesMath(x, { mask, maskIsCausal: true }, 'padded causal, hint');
  assertMatchesMath(x, { mask }, 'padded causal, no hint');
}));

test('float32 attention: bool and additive masks, cross lengths (L != S), one shared key/value head', scoped(() => {
  const s = { B: 2, H: 3, KV: 1, L: 70, S: 45, d: 4, dv: 6 };
  const x = inputs(s, 30);
  const keep = tensor(Array.from({ length: s.L }, (_, i) => Array.from({ length: s.S }, (_, j) => (i + 2 * j) % 5 !== 0)));
  assertMatchesMath(x, { mask: keep, enableGqa: true }, 'bool mask (L, S)');
  const additive = tensor(uniform(s.B * s.S, 31, -3, 1), { dtype: 'float32' }).reshape(s.B, 1, 1, s.S);
  assertMatchesMath(x, { mask: additive, enableGqa: true, scale: 0.3 }, 'additive (B, 1, 1, S), scale 0.3');
  assertMatchesMath(x, { enableGqa: true }, 'no mask');
}));

test('float32 attention: a query that may read no key gets zeros and sends no gradient back', scoped(() => {
  const s = { B: 1, H: 2, KV: 2, L: 3, S: 4, d: 4, dv: 4 };
  const x = inputs(s, 40);
  const keep = tensor([[true, true, false, true], [false, false, false, false], [true, false, false, false]]);
  const [out, dq] = run(x, 'float32', { mask: keep });
  assertClose(out!.select(2, 1), [[[0, 0, 0, 0], [0, 0, 0, 0]]]);
  assertClose(dq!.select(2, 1), [[[0, 0, 0, 0], [0, 0, 0, 0]]]);
  // The other rows are what the math path gives.
  const want = run(x, 'float64', { mask: keep, forceMath: true });
  for (const row of [0, 2]) assertClose(out!.select(2, row).double(), want[0]!.select(2, row).toArray(), FLOAT32);
}));
