import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor, type Tensor } from '../../src/index.js';
import { clipGradNorm } from '../../src/optim/index.js';
import { assertClose, flat, optimFixtures, setGrad } from './reference.js';

function params(g0: number[][], g1: number[], dtype: 'float64' | 'float32' = 'float64'): Tensor[] {
  const a = tensor([[0, 0], [0, 0]], { dtype, requiresGrad: true });
  const b = tensor([0, 0, 0], { dtype, requiresGrad: true });
  setGrad(a, g0.flat());
  setGrad(b, g1);
  return [a, b];
}
const grads = (ps: Tensor[]): number[][] => ps.map((p) => {
  const g = p.grad as Tensor;
  const v = flat(g);
  g.dispose();
  return v;
});

test('2-norm over all gradients, clipped by maxNorm / (total + 1e-6)', () => {
  const ps = params([[3, -4], [1, 2]], [0.5, -6, 2.5]);
  const total = clipGradNorm(ps, 1.0);
  const expected = Math.sqrt(9 + 16 + 1 + 4 + 0.25 + 36 + 6.25);
  assert.ok(Math.abs(total - expected) < 1e-12, `total ${total} vs ${expected}`);
  const coef = 1.0 / (expected + 1e-6);
  const [a, b] = grads(ps);
  assertClose(a!, [3, -4, 1, 2].map((x) => x * coef), 1e-14, 'a');
  assertClose(b!, [0.5, -6, 2.5].map((x) => x * coef), 1e-14, 'b');
  ps.forEach((p) => p.dispose());
});

test('below maxNorm the gradients are unchanged (coefficient clamped to 1)', () => {
  const ps = params([[3, -4], [1, 2]], [0.5, -6, 2.5]);
  const total = clipGradNorm(ps, 100);
  assert.ok(Math.abs(total - Math.sqrt(72.5)) < 1e-12);
  assert.deepEqual(grads(ps), [[3, -4, 1, 2], [0.5, -6, 2.5]]);
  ps.forEach((p) => p.dispose());
});

test('infinity norm is the largest |g|; 1-norm is the sum of |g|', () => {
  let ps = params([[3, -4], [1, 2]], [0.5, -6, 2.5]);
  assert.equal(clipGradNorm(ps, 3, Infinity), 6);
  assertClose(grads(ps)[1]!, [0.5, -6, 2.5].map((x) => x * (3 / (6 + 1e-6))), 1e-14, 'inf-clipped');
  ps.forEach((p) => p.dispose());
  ps = params([[3, -4], [1, 2]], [0.5, -6, 2.5]);
  assert.ok(Math.abs(clipGradNorm(ps, 2.5, 1) - 19) < 1e-12);
  ps.forEach((p) => p.dispose());
});

test('matches torch.nn.utils.clip_grad_norm_ (fixture): total norm and clipped grads', () => {
  const fx = optimFixtures().clip_grad_norm;
  for (const c of fx.cases) {
    const ps = params(fx.grads[0], fx.grads[1]);
    const normType = c.norm_type === 'inf' ? Infinity : c.norm_type;
    const total = clipGradNorm(ps, c.max_norm, normType);
    assert.ok(Math.abs(total - c.total_norm) < 1e-12, `norm ${c.norm_type}: ${total} vs ${c.total_norm}`);
    const [a, b] = grads(ps);
    assertClose(a!, c.clipped_grads[0].flat(), 1e-14, `norm ${c.norm_type} a`);
    assertClose(b!, c.clipped_grads[1], 1e-14, `norm ${c.norm_type} b`);
    ps.forEach((p) => p.dispose());
  }
});

test('no gradients: norm 0; non-finite norm throws only with errorIfNonfinite; no handles leak', () => {
  const p = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
  assert.equal(clipGradNorm([p], 1), 0);
  const ps = params([[3, -4], [1, 2]], [0.5, Infinity, 2.5], 'float32');
  const before = memory().numTensors;
  assert.throws(() => clipGradNorm(ps, 1, 2, { errorIfNonfinite: true }), /total 2-norm of the gradients is Infinity/);
  assert.equal(clipGradNorm(ps, 1), Infinity);
  assert.equal(memory().numTensors, before);
  p.dispose();
  ps.forEach((q) => q.dispose());
});
