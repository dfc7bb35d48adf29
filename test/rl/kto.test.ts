/** KTO's loss and reference point against TRL 1.13's KTOTrainer._compute_loss in float64 (test/fixtures/rl/kto.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '../../src/index.js';
import { ktoLoss, ktoReferencePoint, type KtoLossType } from '../../src/rl/index.js';
import { ktoMetrics } from '../../src/trainers/kto/index.js';
import { scoped } from '../helpers/assert.js';

// Written by test/fixtures/rl/make_kto_golden.py; tests run from the repository root.
const fx = JSON.parse(readFileSync('test/fixtures/rl/kto.json', 'utf8')).loss;
const f64 = (x: number[]): Tensor => tensor(x, { dtype: 'float64' });
const inputs = fx.inputs as Record<string, number[]>;

interface LossCase { labels: boolean[]; ref_kl: 'above' | 'below'; loss_type: KtoLossType; beta: number; desirable_weight: number; undesirable_weight: number; loss: number; metrics: Record<string, number> }
const cases = Object.entries(fx.cases) as [string, LossCase][];

test('ktoLoss and ktoReferencePoint equal TRL KTOTrainer._compute_loss (loss, kl, rewards) within 1e-12', scoped(() => {
  assert.equal(cases.length, 7);
  for (const [name, k] of cases) {
    const refKl = inputs[k.ref_kl === 'above' ? 'ref_kl_logps_above' : 'ref_kl_logps_below'] as number[];
    const z0 = ktoReferencePoint(f64(inputs['policy_kl_logps'] as number[]), f64(refKl));
    const out = ktoLoss(
      { policyLogps: f64(inputs['policy_logps'] as number[]), refLogps: f64(inputs['ref_logps'] as number[]), desirable: k.labels, z0 },
      { beta: k.beta, lossType: k.loss_type, desirableWeight: k.desirable_weight, undesirableWeight: k.undesirable_weight },
    );
    const losses = out.losses.toArray() as number[];
    const loss = losses.reduce((a, b) => a + b, 0) / losses.length;
    assert.ok(Math.abs(loss - k.loss) < 1e-12, `${name}: loss ${loss} vs TRL ${k.loss}`);
    // TRL logs kl = z0 for kto and 0 for apo_zero_unpaired (which ignores it).
    if (k.loss_type === 'kto') assert.ok(Math.abs(z0 - (k.metrics['kl'] as number)) < 1e-12, `${name}: kl ${z0} vs TRL ${k.metrics['kl']}`);
    // The trainer's metric sums, turned into TRL's logged means.
    const rewards = out.rewards.toArray() as number[];
    const logps = inputs['policy_logps'] as number[];
    const sum = (xs: number[], label: boolean) => xs.reduce((a, x, i) => a + (k.labels[i] === label ? x : 0), 0);
    const B = k.labels.length;
    const nChosen = k.labels.filter(Boolean).length;
    const averaged = {
      kl: z0, 'rewards/chosen_sum': sum(rewards, true) / B, 'rewards/rejected_sum': sum(rewards, false) / B,
      'logps/chosen_sum': sum(logps, true) / B, 'logps/rejected_sum': sum(logps, false) / B, 'count/chosen': nChosen / B, 'count/rejected': (B - nChosen) / B,
    };
    const m = ktoMetrics(averaged, B);
    for (const key of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'logps/chosen', 'logps/rejected']) {
      const want = k.metrics[key];
      if (want === undefined) {
        assert.equal(m[key], undefined, `${name}: ${key} logged without examples of that label (TRL leaves it out)`);
        continue;
      }
      assert.ok(Math.abs((m[key] as number) - want) < 1e-12, `${name}: ${key} ${m[key]} vs TRL ${want}`);
    }
    assert.equal(m['count/chosen'], nChosen);
  }
}));

test('the reference point clamps at 0 and ktoLoss checks its inputs', scoped(() => {
  assert.equal(ktoReferencePoint(f64([-5, -6]), f64([-1, -2])), 0);
  assert.equal(ktoReferencePoint(f64([-1, -2]), f64([-2, -3])), 1);
  assert.equal(ktoReferencePoint(f64([-1, -2]), f64([-2, -3]), (m) => m - 3), 0, 'the gathered mean is clamped, not each rank\'s');
  const p = f64([-1, -2]);
  assert.throws(() => ktoLoss({ policyLogps: p, refLogps: p, desirable: [true] }, { lossType: 'apo_zero_unpaired' }), /1 labels for 2 examples/);
  assert.throws(() => ktoLoss({ policyLogps: p, refLogps: p, desirable: [true, false] }), /needs the reference point z0/);
  assert.throws(() => ktoLoss({ policyLogps: p, refLogps: f64([-1, -2, -3]), desirable: [true, false], z0: 0 }), /refLogps/);
  assert.throws(() => ktoLoss({ policyLogps: p, refLogps: p, desirable: [true, false], z0: 0 }, { beta: 0 }), /beta \(0\) must be positive/);
  // At r = z0 every example's loss is 1 − σ(0) = 0.5, weighted.
  const out = ktoLoss({ policyLogps: f64([-1, -2]), refLogps: f64([-1.5, -2.5]), desirable: [true, false], z0: 0.5 }, { desirableWeight: 2, undesirableWeight: 0.5 });
  assert.deepEqual(out.losses.toArray(), [1, 0.25]);
}));
