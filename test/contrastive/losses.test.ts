/** NT-Xent, MoCo InfoNCE, alignment and uniformity against PyTorch (contrastive.json), values and input gradients in float64. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, randn, tensor, type Tensor } from '../../src/index.js';
import { alignment, l2Normalize, mocoLoss, ntXentLoss, uniformity } from '../../src/contrastive/index.js';
import { assertClose, scoped } from '../helpers/assert.js';
import { contrastiveGolden } from './fixture.js';

const f64 = (x: number[][], grad = false): Tensor => tensor(x, { dtype: 'float64', requiresGrad: grad });
const TOL = { atol: 1e-6, rtol: 0 };

test('ntXentLoss equals the SimCLR reference: loss, gradients w.r.t. both views, accuracy, alignment, uniformity', scoped(() => {
  for (const [i, c] of (contrastiveGolden().nt_xent as Record<string, unknown>[]).entries()) {
    const z1 = f64(c.z1 as number[][], true);
    const z2 = f64(c.z2 as number[][], true);
    const out = ntXentLoss(z1, z2, { temperature: c.temperature as number });
    const msg = `case ${i}`;
    assertClose(out.loss, c.loss as number, { ...TOL, msg });
    out.loss.backward();
    assertClose(z1.grad as Tensor, c.grad_z1 as number[][], { ...TOL, msg: `${msg} grad z1` });
    assertClose(z2.grad as Tensor, c.grad_z2 as number[][], { ...TOL, msg: `${msg} grad z2` });
    assertClose(out.metrics.accuracy, c.accuracy as number, { ...TOL, msg });
    assertClose(out.metrics.alignment, c.alignment as number, { ...TOL, msg });
    assertClose(out.metrics.uniformity, c.uniformity as number, { ...TOL, msg });
    assert.equal(out.metrics.accuracy.requiresGrad, false);
    const n = z1.shape[0] as number;
    assert.deepEqual(out.logits.shape, [2 * n, 2 * n]);
  }
}));

test('ntXentLoss: the gradient does not depend on the scale of the views, shapes and temperature are checked', scoped(() => {
  const c = contrastiveGolden().nt_xent[0];
  const a = ntXentLoss(f64(c.z1), f64(c.z2), { temperature: c.temperature }).loss.item() as number;
  const b = ntXentLoss(f64(c.z1).mul(7), f64(c.z2).mul(0.1), { temperature: c.temperature }).loss.item() as number;
  assert.ok(Math.abs(a - b) < 1e-12, 'views are L2-normalised first');
  assert.throws(() => ntXentLoss(f64(c.z1), f64(c.z2).narrow(0, 0, 2)), /'z2' must have shape \[4, 6\], got \[2, 6\]/);
  assert.throws(() => ntXentLoss(f64(c.z1), f64(c.z2), { temperature: 0 }), /temperature \(0\) must be positive/);
  assert.throws(() => ntXentLoss(f64([[1, 2]]), f64([[1, 2]])), /needs at least 2 pairs/);
  // Identical views far apart: every positive ranks first.
  const e = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: 'float64' });
  assert.equal(ntXentLoss(e, e, { temperature: 0.1 }).metrics.accuracy.item(), 1);
}));

test('mocoLoss equals MoCo\'s InfoNCE: loss, logits, gradient w.r.t. q, normalised keys, none to k', scoped(() => {
  for (const [i, c] of (contrastiveGolden().moco as Record<string, unknown>[]).entries()) {
    const q = f64(c.q as number[][], true);
    const k = f64(c.k as number[][], true);
    const out = mocoLoss(q, k, f64(c.queue as number[][]), { temperature: c.temperature as number });
    const msg = `case ${i}`;
    assertClose(out.loss, c.loss as number, { ...TOL, msg });
    assertClose(out.logits, c.logits as number[][], { ...TOL, msg });
    assertClose(out.keys, c.keys as number[][], { ...TOL, msg });
    assertClose(out.metrics.accuracy, c.accuracy as number, { ...TOL, msg });
    out.loss.backward();
    assertClose(q.grad as Tensor, c.grad_q as number[][], { ...TOL, msg: `${msg} grad q` });
    assert.equal(k.grad, null, 'the momentum encoder\'s keys get no gradient');
    assert.equal(out.keys.requiresGrad, false);
  }
  const c = contrastiveGolden().moco[0];
  assert.throws(() => mocoLoss(f64(c.q), f64(c.k), f64(c.queue).narrow(1, 0, 3)), /'queue' must have shape \[K, 8\], got \[16, 3\]/);
  assert.throws(() => mocoLoss(f64(c.q), f64(c.k).narrow(0, 0, 1), f64(c.queue)), /'k' must have shape \[4, 8\]/);
}));

test('alignment and uniformity equal Wang & Isola\'s align_loss / uniform_loss with their gradients', scoped(() => {
  const c = contrastiveGolden().align_uniform;
  const x = f64(c.x, true);
  const y = f64(c.y, true);
  const a = alignment(x, y);
  assertClose(a, c.alignment, TOL);
  a.backward();
  assertClose(x.grad as Tensor, c.grad_alignment_x, TOL);
  assertClose(y.grad as Tensor, c.grad_alignment_y, TOL);
  assertClose(alignment(x, y, { alpha: 3 }), c.alignment_alpha3, TOL);
  x.zeroGrad();
  const u = uniformity(x);
  assertClose(u, c.uniformity, TOL);
  u.backward();
  assertClose(x.grad as Tensor, c.grad_uniformity_x, TOL);
  assertClose(uniformity(x, { t: 1 }), c.uniformity_t1, TOL);
  // Collapsed embeddings: alignment 0 with a finite (zero) gradient, uniformity at its maximum 0.
  const same = f64([[1, 0], [1, 0]], true);
  const zero = alignment(same, same.detach());
  zero.backward();
  assert.equal(zero.item(), 0);
  assertClose(same.grad as Tensor, [[0, 0], [0, 0]]);
  assert.equal(uniformity(same).item(), 0);
  assert.throws(() => uniformity(f64([[1, 0]])), /at least 2 embeddings/);
}));

test('l2Normalize leaves a zero row at zero, as torch.nn.functional.normalize', scoped(() => {
  assertClose(l2Normalize(tensor([[3, 4], [0, 0]], { dtype: 'float32' })), [[0.6, 0.8], [0, 0]]);
  const z = noGrad(() => l2Normalize(randn([5, 7])));
  assertClose(z.norm({ dim: 1 }), [1, 1, 1, 1, 1], { atol: 1e-6 });
}));
