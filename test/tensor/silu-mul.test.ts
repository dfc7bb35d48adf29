/** F.siluMul (the gated MLP's activation) against silu(gate) · up composed in float64, gradients too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor, type Tensor } from '../../src/index.js';
import { assertClose, scoped, uniform } from '../helpers/assert.js';

const FLOAT32 = { atol: 1e-6, rtol: 1e-5 };

function values(shape: number[], seed: number, lo = -6, hi = 6): Tensor {
  return tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, lo, hi), { dtype: 'float64' }).reshape(...shape);
}

/** Output and the gradients of Σ out · w for gate and up. */
function run(gate: Tensor, up: Tensor, w: Tensor, fused: boolean): Tensor[] {
  const [g, u] = [gate, up].map((t) => t.detach().requiresGrad_(true)) as [Tensor, Tensor];
  const out = fused ? F.siluMul(g, u) : g.silu().mul(u);
  out.mul(w.to(out.dtype)).sum().backward();
  return [out, g.grad!, u.grad!];
}

test('siluMul in float32 equals silu(gate) · up in float64, gradients too (a length that is not a multiple of 8)', scoped(() => {
  const shape = [3, 5, 37];
  const [gate, up, w] = [values(shape, 1), values(shape, 2), values(shape, 3, -1, 1)];
  const got = run(gate.float(), up.float(), w, true);
  const want = run(gate, up, w, false);
  assert.equal(got[0]!.dtype, 'float32');
  ['out', 'dgate', 'dup'].forEach((name, i) => assertClose(got[i]!.double(), want[i]!.toArray(), { ...FLOAT32, msg: name }));
  // Large |gate| saturates the sigmoid: silu(-80) is -0 to float precision, silu(80) is 80.
  const edge = F.siluMul(tensor([-80, -20, 0, 20, 80], { dtype: 'float32' }), tensor([1, 1, 1, 1, 1], { dtype: 'float32' }));
  assertClose(edge, [-80 / (1 + Math.exp(80)), -20 / (1 + Math.exp(20)), 0, 20 / (1 + Math.exp(-20)), 80], { atol: 1e-6, rtol: 1e-6 });
}));

test('siluMul composes for shapes that broadcast, float64 and non-contiguous inputs', scoped(() => {
  const gate = values([4, 6], 10);
  const up = values([6], 11); // broadcast over rows
  const w = values([4, 6], 12, -1, 1);
  const want = run(gate, up, w, false);
  const got = run(gate, up, w, true);
  got.forEach((t, i) => assertClose(t, want[i]!.toArray(), { atol: 1e-12, rtol: 1e-12 }));
  const t = values([6, 4], 13).float().transpose(0, 1); // not contiguous
  assertClose(F.siluMul(t, t).double(), t.double().silu().mul(t.double()).toArray(), FLOAT32);
}));

/** linear(silu(gate) · up, weight, bias) and the gradients of Σ out · p for gate, up, weight and bias. */
function runLinear(xs: Tensor[], p: Tensor, fused: boolean): Tensor[] {
  const [g, u, w, b] = xs.map((t) => t.detach().requiresGrad_(true)) as [Tensor, Tensor, Tensor, Tensor | undefined];
  const out = fused ? F.siluMulLinear(g, u, w, b) : F.linear(g.silu().mul(u), w, b);
  out.mul(p.to(out.dtype)).sum().backward();
  return [out, g.grad!, u.grad!, w.grad!, ...(b === undefined ? [] : [b.grad!])];
}

test('siluMulLinear (product recomputed in backward) equals linear(silu(gate) · up) in float64, every gradient', scoped(() => {
  const [B, T, I, H] = [2, 5, 37, 6];
  const p = values([B, T, H], 24, -1, 1);
  for (const withBias of [false, true]) { // without a bias: the fused op; with one: composed
    const xs = [values([B, T, I], 20), values([B, T, I], 21), values([H, I], 22, -0.5, 0.5), ...(withBias ? [values([H], 23, -1, 1)] : [])];
    const want = runLinear(xs, p, false);
    const got = runLinear(xs.map((t) => t.float()), p, true);
    ['out', 'dgate', 'dup', 'dweight', 'dbias'].slice(0, got.length).forEach((name, i) => assertClose(got[i]!.double(), want[i]!.toArray(), { atol: 1e-4, rtol: 1e-4, msg: `${name} bias ${withBias}` }));
    const again = runLinear(xs, p, true); // float64: composed
    again.forEach((t, i) => assertClose(t, want[i]!.toArray(), { atol: 1e-12, rtol: 1e-12 }));
  }
}));
