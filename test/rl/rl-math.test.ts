/**
 * PPO policy and value losses, KL estimators k1/k2/k3, group advantages, entropy and masked
 * whitening against PyTorch goldens (test/fixtures/rl/rl_math.json, written by
 * make_rl_math_golden.py from TRL's code and the published formulas). Inputs are float64, so
 * the only difference left is summation order: 1e-9 is far inside 1e-6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import {
  entropyFromLogits, explainedVariance, groupAdvantages, klEstimate, maskedMean, maskedVar, maskedWhiten, ppoPolicyLoss, ppoValueLoss,
  type AdvantageType, type KlEstimator, type ScaleRewards,
} from '../../src/rl/index.js';
import { assertClose, scoped } from '../helpers/assert.js';
import { rlFixtures } from './fixture.js';

const f64 = (x: number[] | number[][] | number[][][]): Tensor => tensor(x, { dtype: 'float64' });
const fx = () => rlFixtures('rl_math.json');
const mask = () => f64(fx().mask);
const ATOL = 1e-9;

test('ppoPolicyLoss: clipped surrogate loss and clip fraction equal TRL PPOTrainer\'s', scoped(() => {
  for (const c of fx().ppo_policy) {
    const out = ppoPolicyLoss({ logps: f64(c.logps), oldLogps: f64(c.old_logps), advantages: f64(c.advantages), mask: mask() }, { clipRange: c.clip_range });
    const msg = `clip_range ${c.clip_range}`;
    assertClose(out.loss, c.loss, { atol: ATOL, msg });
    assertClose(out.metrics.clipFrac, c.clip_frac, { atol: ATOL, msg });
    assertClose(out.metrics.approxKl, c.approx_kl, { atol: ATOL, msg });
    assertClose(out.metrics.ratio, c.ratio, { atol: ATOL, msg });
  }
  // the first case clips some tokens, the second none: both branches of the max are exercised
  assert.ok(fx().ppo_policy[0].clip_frac > 0 && fx().ppo_policy[1].clip_frac === 0);
}));

test('ppoPolicyLoss: gradient flows to logps only, and padding never reaches the loss', scoped(() => {
  const c = fx().ppo_policy[0];
  const logps = f64(c.logps).requiresGrad_();
  const m = mask();
  const out = ppoPolicyLoss({ logps, oldLogps: f64(c.old_logps), advantages: f64(c.advantages), mask: m }, { clipRange: c.clip_range });
  out.loss.backward();
  const grad = logps.grad as Tensor;
  assert.equal(grad.mul(m.rsub(1)).abs().sum().item(), 0);
  assert.ok(grad.abs().sum().item() > 0);
  // huge log-probs on padding would overflow exp() if the log ratio were not masked first
  const padded = f64(c.logps).add(m.rsub(1).mul(1e4));
  assertClose(ppoPolicyLoss({ logps: padded, oldLogps: f64(c.old_logps), advantages: f64(c.advantages), mask: m }, { clipRange: c.clip_range }).loss, c.loss, { atol: ATOL });
}));

test('ppoValueLoss: clipped value loss and clip fraction equal TRL PPOTrainer\'s', scoped(() => {
  for (const c of fx().ppo_value) {
    const out = ppoValueLoss({ values: f64(c.values), oldValues: f64(c.old_values), returns: f64(c.returns), mask: mask() }, { clipRangeValue: c.clip_range_value });
    assertClose(out.loss, c.loss, { atol: ATOL, msg: `clip_range_value ${c.clip_range_value}` });
    assertClose(out.metrics.clipFrac, c.clip_frac, { atol: ATOL, msg: `clip_range_value ${c.clip_range_value}` });
  }
}));

test('PPO losses refuse a [B] advantage or mismatched shapes, and an empty mask', scoped(() => {
  const c = fx().ppo_policy[0];
  const B = c.logps.length;
  const base = { logps: f64(c.logps), oldLogps: f64(c.old_logps), advantages: f64(c.advantages), mask: mask() };
  assert.throws(() => ppoPolicyLoss({ ...base, advantages: f64(Array(B).fill(1)) }, { clipRange: 0.2 }), /'advantages' must have shape \[3, 6\], got \[3\]/);
  assert.throws(() => ppoPolicyLoss({ ...base, logps: f64(c.logps[0]) }, { clipRange: 0.2 }), /'logps' must be \(B, C\)/);
  assert.throws(() => ppoPolicyLoss({ ...base, mask: mask().mul(0) }, { clipRange: 0.2 }), /selects 0 element/);
  const v = fx().ppo_value[0];
  assert.throws(() => ppoValueLoss({ values: f64(v.values), oldValues: f64(v.old_values), returns: f64(v.returns).unsqueeze(-1), mask: mask() }, { clipRangeValue: 0.2 }), /'returns' must have shape/);
}));

test('klEstimate: k1, k2, k3 equal Schulman\'s estimators; k3 equals TRL GRPO\'s per-token KL', scoped(() => {
  const k = fx().kl;
  for (const estimator of ['k1', 'k2', 'k3'] as KlEstimator[]) {
    assertClose(klEstimate(f64(k.logp), f64(k.ref_logp), estimator), k[estimator], { atol: ATOL, msg: estimator });
  }
  assertClose(klEstimate(f64(k.logp), f64(k.ref_logp), 'k3'), k.k3_trl_grpo, { atol: ATOL });
  assert.ok(klEstimate(f64(k.logp), f64(k.ref_logp), 'k3').min().item() >= 0);
  assert.throws(() => klEstimate(f64(k.logp), f64(k.ref_logp[0]), 'k1'), /'refLogp' must have shape \[3, 6\], got \[6\]/);
  assert.throws(() => klEstimate(f64(k.logp), f64(k.logp), 'k4' as KlEstimator), /unknown estimator 'k4'/);
}));

test('groupAdvantages: grpo (group / batch / none), rloo and rank equal TRL\'s and scipy\'s', scoped(() => {
  const a = fx().advantages;
  const r = f64(a.rewards);
  const G = a.num_generations;
  for (const scale of ['group', 'batch', 'none'] as ScaleRewards[]) {
    assertClose(groupAdvantages(r, { numGenerations: G, type: 'grpo', scaleRewards: scale }), a[`grpo_${scale}`], { atol: ATOL, msg: scale });
    assertClose(groupAdvantages(r, { numGenerations: G, type: 'normalized', scaleRewards: scale }), a[`grpo_${scale}`], { atol: ATOL, msg: scale });
  }
  for (const type of ['dr_grpo', 'relative'] as AdvantageType[]) assertClose(groupAdvantages(r, { numGenerations: G, type }), a.grpo_none, { atol: ATOL, msg: type });
  assertClose(groupAdvantages(r, { numGenerations: G, type: 'rloo' }), a.rloo, { atol: ATOL });
  assertClose(groupAdvantages(r, { numGenerations: G, type: 'rank' }), a.rank, { atol: ATOL });
}));

test('entropyFromLogits equals TRL entropy_from_logits, and a -inf logit contributes 0, not NaN', scoped(() => {
  const e = fx().entropy;
  assertClose(entropyFromLogits(f64(e.logits)), e.entropy, { atol: ATOL });
  const h = entropyFromLogits(f64([[0, Number.NEGATIVE_INFINITY, 0]]));
  assertClose(h, [Math.LN2], { atol: 1e-12 });
  assert.throws(() => entropyFromLogits(f64([[]])), /non-empty last/);
}));

test('maskedWhiten equals TRL masked_whiten (shift_mean true and false)', scoped(() => {
  const w = fx().whiten;
  const v = f64(w.values);
  assertClose(maskedMean(v, mask()), w.mean, { atol: ATOL });
  assertClose(maskedVar(v, mask()), w.var_unbiased, { atol: ATOL });
  assertClose(maskedWhiten(v, mask()), w.whitened, { atol: ATOL });
  assertClose(maskedWhiten(v, mask(), { shiftMean: false }), w.whitened_keep_mean, { atol: ATOL });
}));

test('explainedVariance: 1 for perfect values, 0 for the masked mean, NaN for constant returns', scoped(() => {
  const m = mask();
  const R = f64(fx().whiten.values);
  assert.ok(Math.abs(explainedVariance(R, R, m) - 1) < 1e-12);
  assert.ok(Math.abs(explainedVariance(R, R.mul(0).add(maskedMean(R, m)), m)) < 1e-12);
  assert.ok(Number.isNaN(explainedVariance(R.mul(0).add(2), R, m)));
}));
