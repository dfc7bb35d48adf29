/** KL estimators, the adaptive KL controller and group advantages against hand-computed values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveKlController, groupAdvantages, klEstimate, type AdvantageType } from '../../src/rl/index.js';
import { tensor, tidy } from '../../src/tensor/index.js';

test('KL estimators: exactly zero for the policy against itself, known values otherwise', () => {
  tidy(() => {
    const lp = tensor([[-1.5, -0.2, -3.0]], { dtype: 'float32' });
    for (const k of ['k1', 'k2', 'k3'] as const) assert.deepEqual(klEstimate(lp, lp, k).toArray(), [[0, 0, 0]]);
    const ref = tensor([[-1.0, -0.2, -2.0]], { dtype: 'float32' });
    const d = [-0.5, 0, -1];
    const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - (b[i] as number)) < 1e-6);
    assert.ok(close((klEstimate(lp, ref, 'k1').toArray() as number[][])[0]!, d));
    assert.ok(close((klEstimate(lp, ref, 'k2').toArray() as number[][])[0]!, d.map((x) => x * x / 2)));
    assert.ok(close((klEstimate(lp, ref, 'k3').toArray() as number[][])[0]!, d.map((x) => Math.exp(-x) + x - 1)));
  });
});

test('adaptive KL controller follows Ziegler et al.', () => {
  const c = new AdaptiveKlController(0.1, 6, 10000);
  c.update(12, 100); // error clipped to +0.2
  assert.ok(Math.abs(c.value - 0.1 * (1 + 0.2 * 100 / 10000)) < 1e-12);
  c.update(3, 100); // error -0.5 -> -0.2
  assert.ok(Math.abs(c.value - 0.1 * 1.002 * (1 - 0.002)) < 1e-12);
});

test('group advantages: rank and leave-one-out by hand, relative = r - mean, normalized divides by the group std', () => {
  const r = [1, 0, 0, 3, 2, 2, 2, 2];
  const adv = (type: AdvantageType) => tidy(() => groupAdvantages(tensor(r, { dtype: 'float64' }), { numGenerations: 4, type }).toArray() as number[]);
  // Group 1 ranks (ties averaged): [3, 1.5, 1.5, 4] -> (rank - 2.5) / 1.5; group 2 all tied -> 0.
  assert.deepEqual(adv('rank').map((x) => Math.round(x * 1e6) / 1e6), [0.333333, -0.666667, -0.666667, 1, 0, 0, 0, 0]);
  const rloo = adv('rloo');
  assert.deepEqual(rloo.slice(0, 4).map((x) => Math.round(x * 1e6) / 1e6), [0, -4 / 3, -4 / 3, 8 / 3].map((x) => Math.round(x * 1e6) / 1e6));
  assert.deepEqual(rloo.slice(4), [0, 0, 0, 0]);
  const rel = adv('relative');
  assert.deepEqual(rel.map((x) => Math.round(x * 1e6) / 1e6), [0, -1, -1, 2, 0, 0, 0, 0]);
  const norm = adv('normalized');
  const sd = Math.sqrt((0 + 1 + 1 + 4) / 3);
  assert.ok(Math.abs(norm[3]! - 2 / (sd + 1e-4)) < 1e-5, `${norm[3]}`);
  assert.throws(() => groupAdvantages(tensor([1, 2, 3]), { numGenerations: 2, type: 'rank' }), /multiple of numGenerations \(2\)/);
  assert.throws(() => groupAdvantages(tensor([[1, 2]]), { numGenerations: 2, type: 'rloo' }), /must be 1-D/);
});
