/** F.siluMul (the gated MLP's activation) against silu(gate) · up composed in float64, gradients too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, autocast, buildInfo, tensor, type Tensor } from '../../src/index.js';
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

/** How many elements of two same-shaped tensors differ, and the largest difference in units of the expected bf16 spacing. */
function bf16Mismatch(got: Tensor, want: Tensor): { differ: number; ulps: number } {
  const [a, b] = [got.float().toTypedArray() as Float32Array, want.float().toTypedArray() as Float32Array];
  let differ = 0;
  let ulps = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    differ += 1;
    const spacing = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(b[i]!), 1e-30))) - 7);
    ulps = Math.max(ulps, Math.abs(a[i]! - b[i]!) / spacing);
  }
  return { differ, ulps };
}

test('bf16 on the way to a gradient: siluMul and, under autocast, siluMulLinear equal the composed bf16 ops to one rounding', scoped(() => {
  const [B, T, I, H] = [2, 7, 45, 6];
  const gate = values([B, T, I], 30).to('bfloat16');
  const up = values([B, T, I], 31).to('bfloat16');
  const p = values([B, T, I], 32, -1, 1);
  const got = run(gate, up, p, true);
  const want = run(gate, up, p, false);
  // libtorch 1.x: bf16 stays composed (its silu rounds in between), so the two are the same ops.
  const composedOnly = buildInfo().torchVersion.startsWith('1.');
  ['out', 'dgate', 'dup'].forEach((name, i) => {
    assert.equal(got[i]!.dtype, 'bfloat16', name);
    const m = bf16Mismatch(got[i]!, want[i]!);
    if (composedOnly) assert.equal(m.differ, 0, `${name}: ${m.differ} differ on libtorch 1.x`);
    // Only e^x differs (the kernel's polynomial vs ATen's), by ulps of float32: after rounding
    // to bf16 a few values land one bf16 step apart.
    assert.ok(m.ulps <= 1 && m.differ <= got[i]!.numel / 50, `${name}: ${m.differ} of ${got[i]!.numel} differ, by up to ${m.ulps} bf16 steps`);
  });
  const w = values([H, I], 33, -0.5, 0.5).float();
  const q = values([B, T, H], 34, -1, 1);
  const under = (fused: boolean) => {
    const [g, u, wt] = [gate, up, w].map((t) => t.detach().requiresGrad_(true)) as [Tensor, Tensor, Tensor];
    const out = autocast(() => (fused ? F.siluMulLinear(g, u, wt) : F.linear(g.silu().mul(u), wt)));
    out.float().mul(q).sum().backward();
    return [out, g.grad!, u.grad!, wt.grad!];
  };
  const fused = under(true);
  const composed = under(false);
  assert.deepEqual(fused.map((t) => t.dtype), ['bfloat16', 'bfloat16', 'bfloat16', 'float32']);
  ['out', 'dgate', 'dup', 'dweight'].forEach((name, i) => {
    const m = bf16Mismatch(fused[i]!, composed[i]!);
    assert.ok(m.ulps <= 1 && m.differ <= fused[i]!.numel / 20, `${name}: ${m.differ} of ${fused[i]!.numel} differ, by up to ${m.ulps} bf16 steps`);
  });
  // And against float64 on the same bf16 inputs (the weight as autocast rounds it): within bf16's
  // rounding of the terms, a few hundredths of the largest value.
  const exact = runLinear([gate.double(), up.double(), w.to('bfloat16').double()], q, false);
  ['out', 'dgate', 'dup', 'dweight'].forEach((name, i) => {
    const scale = exact[i]!.abs().max().item();
    assertClose(fused[i]!.double(), exact[i]!.toArray(), { atol: 0.02 * scale, rtol: 0, msg: name });
  });
}));
