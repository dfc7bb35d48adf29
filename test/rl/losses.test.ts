/** DPO, reward-model, GRPO and GAE against the golden TRL values (test/fixtures/rl/rl.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import { dpoLoss, gae, grpoAdvantages, grpoLoss, maskedWhiten, rewardModelLoss, type DpoLossType, type GrpoLossType, type ScaleRewards } from '../../src/rl/index.js';
import { assertClose, scoped } from '../helpers/assert.js';
import { rlFixtures } from './fixture.js';

const f32 = (x: number[] | number[][]): Tensor => tensor(x, { dtype: 'float32' });

function dpoInputs(policy: string) {
  const fx = rlFixtures();
  const lp = (m: string) => fx.preference.logps[m];
  const mask = fx.preference.completion_mask as number[][];
  const n = mask.map((r) => r.slice(1).reduce((a, v) => a + v, 0));
  return {
    policyChosenLogps: f32(lp(policy).chosen_logps), policyRejectedLogps: f32(lp(policy).rejected_logps),
    refChosenLogps: f32(lp('reference_initial').chosen_logps), refRejectedLogps: f32(lp('reference_initial').rejected_logps),
    chosenLengths: f32(n.slice(0, 2)), rejectedLengths: f32(n.slice(2)),
  };
}

test('dpoLoss matches every golden DPO case within 1e-5', scoped(() => {
  const fx = rlFixtures().dpo;
  for (const [policyCase, policy] of [['policy_perturbed', 'policy_perturbed'], ['policy_equals_reference', 'reference_initial']] as const) {
    for (const [key, c] of Object.entries(fx.cases[policyCase] as Record<string, Record<string, unknown>>)) {
      const legacy = key.endsWith('legacy_cdpo_trl_le_0.28');
      // TRL >= 0.29 ignores label_smoothing for 'sigmoid'; our 'sigmoid' applies it (cDPO),
      // which is exactly the legacy case. So the TRL 1.13 sigmoid cases run with ε = 0.
      const type = (legacy ? 'sigmoid' : c.loss_type) as DpoLossType;
      const eps = type === 'sigmoid' && !legacy ? 0 : (c.label_smoothing as number);
      const out = dpoLoss(dpoInputs(policy), { beta: fx.beta, lossType: type, labelSmoothing: eps });
      const msg = `${policyCase}/${key}`;
      assertClose(out.loss, (c.loss_trl ?? c.loss_plain_torch) as number, { atol: 1e-5, msg });
      assertClose(out.losses, c.per_sequence_loss as number[], { atol: 1e-5, msg });
      if (c.chosen_rewards !== undefined) {
        assertClose(out.chosenRewards, c.chosen_rewards as number[], { atol: 1e-6, msg });
        assertClose(out.rejectedRewards, c.rejected_rewards as number[], { atol: 1e-6, msg });
      }
    }
  }
}));

test('dpoLoss metrics, weighted combinations and shape checks', scoped(() => {
  const x = dpoInputs('policy_perturbed');
  const one = dpoLoss(x, { lossType: 'sigmoid' });
  const c = one.chosenRewards.toArray() as number[];
  const r = one.rejectedRewards.toArray() as number[];
  assertClose(one.metrics.accuracy, c.filter((v, i) => v > r[i]!).length / c.length);
  assertClose(one.metrics.margin, (c[0]! - r[0]! + c[1]! - r[1]!) / 2, { atol: 1e-7 });
  assertClose(one.metrics.chosen, (c[0]! + c[1]!) / 2, { atol: 1e-7 });
  const sft = dpoLoss(x, { lossType: 'sft' }).losses.toArray() as number[];
  const chosen = x.policyChosenLogps.toArray() as number[];
  const n = x.chosenLengths.toArray() as number[];
  assertClose(sft, chosen.map((v, i) => -v / n[i]!), { atol: 1e-5 });
  const mix = dpoLoss(x, { lossType: ['sigmoid', 'sft'], lossWeights: [0.8, 0.2] });
  const sig = one.losses.toArray() as number[];
  assertClose(mix.losses, sig.map((v, i) => 0.8 * v + 0.2 * sft[i]!), { atol: 1e-5 });
  assert.throws(() => dpoLoss({ ...x, refChosenLogps: x.refChosenLogps.unsqueeze(1) }), /refChosenLogps' must have shape \[2\]/);
  assert.throws(() => dpoLoss({ ...x, chosenLengths: undefined }, { lossType: 'ipo' }), /needs chosenLengths/);
  assert.throws(() => dpoLoss(x, { lossType: ['sigmoid', 'sft'], lossWeights: [1] }), /one weight per loss type/);
  assert.throws(() => dpoLoss(x, { beta: 0 }), /beta \(0\) must be positive/);
}));

test('dpoLoss gradient flows to the policy log-probs only', scoped(() => {
  const x = dpoInputs('policy_perturbed');
  const pc = x.policyChosenLogps.clone().requiresGrad_(true);
  const out = dpoLoss({ ...x, policyChosenLogps: pc });
  out.loss.backward();
  // d/dπc of mean(−log σ(βΔ)) = −β σ(−βΔ) / B
  const c = out.chosenRewards.toArray() as number[];
  const r = out.rejectedRewards.toArray() as number[];
  assertClose(pc.grad as Tensor, c.map((v, i) => (-0.1 / (1 + Math.exp(v - r[i]!))) / 2), { atol: 1e-6 });
  assert.equal(out.chosenRewards.requiresGrad, false);
}));

test('rewardModelLoss matches the golden TRL RewardTrainer loss with and without margin', scoped(() => {
  const fx = rlFixtures().rm;
  for (const key of ['no_margin', 'margin_0.5']) {
    const c = fx[key];
    const rc = f32(c.rewards_chosen);
    const rr = f32(c.rewards_rejected);
    const out = rewardModelLoss(rc, rr, c.margin === null ? {} : { margin: c.margin as number });
    assertClose(out.loss, c.loss_trl, { atol: 1e-5, msg: key });
    const marginT = c.margin === null ? undefined : f32([c.margin, c.margin]);
    assertClose(rewardModelLoss(rc, rr, { margin: marginT }).loss, c.loss_trl, { atol: 1e-5, msg: `${key} tensor margin` });
  }
  const rc = [0.1029118001461029, -0.6419565677642822];
  const rr = [0.3928084373474121, -0.009701818227767944];
  const withCenter = rewardModelLoss(f32(rc), f32(rr), { centerRewardsCoefficient: 0.01 });
  const center = ((rc[0]! + rr[0]!) ** 2 + (rc[1]! + rr[1]!) ** 2) / 2;
  assertClose(withCenter.loss, fx.no_margin.loss_trl + 0.01 * center, { atol: 1e-6 });
  assertClose(withCenter.metrics.accuracy, 0);
  assertClose(withCenter.metrics.margin, (rc[0]! - rr[0]! + rc[1]! - rr[1]!) / 2, { atol: 1e-6 });
  assert.throws(() => rewardModelLoss(f32(rc).unsqueeze(1), f32(rr)), /must be 1-D/);
  assert.throws(() => rewardModelLoss(f32(rc), f32(rr).unsqueeze(1)), /must have shape \[2\]/);
}));

test('grpoAdvantages matches TRL for group, batch and none scaling', scoped(() => {
  const fx = rlFixtures().grpo.adv;
  for (const [name, v] of Object.entries(fx as Record<string, Record<string, number[]>>)) {
    for (const scale of ['group', 'batch', 'none'] as ScaleRewards[]) {
      const out = grpoAdvantages(f32(v.rewards as number[]), { numGenerations: 4, scaleRewards: scale });
      assertClose(out, v[scale] as number[], { atol: 1e-6, msg: `${name}/${scale}` });
    }
  }
  assert.throws(() => grpoAdvantages(f32([1, 2, 3]), { numGenerations: 2 }), /multiple of numGenerations/);
}));

test('grpoLoss matches TRL GRPOTrainer._compute_loss for every loss type and beta', scoped(() => {
  const fx = rlFixtures().grpo;
  const lp = f32(fx.per_token_logps_policy_perturbed);
  const old = f32(fx.per_token_logps_initial);
  const mask = tensor(fx.completion_mask as number[][]);
  const advantages = f32(fx.advantages);
  for (const [key, c] of Object.entries(fx.loss as Record<string, { loss_type: GrpoLossType; beta: number; loss_trl: number; per_token_loss_plain_torch: number[][] }>)) {
    const out = grpoLoss(
      { perTokenLogps: lp, oldPerTokenLogps: old, refPerTokenLogps: old, advantages, completionMask: mask },
      { beta: c.beta, lossType: c.loss_type, maxCompletionLength: fx.max_completion_length },
    );
    assertClose(out.loss, c.loss_trl, { atol: 1e-6, msg: key });
    assertClose(out.perTokenLoss, c.per_token_loss_plain_torch, { atol: 1e-6, msg: key });
  }
  assert.throws(() => grpoLoss({ perTokenLogps: lp, advantages: advantages.unsqueeze(1), completionMask: mask }), /'advantages' must have shape \[8\]/);
  assert.throws(() => grpoLoss({ perTokenLogps: lp, advantages, completionMask: mask }, { beta: 0.04 }), /needs refPerTokenLogps/);
  // on-policy (old = current): the ratio is 1 and nothing is clipped
  const onPolicy = grpoLoss({ perTokenLogps: lp, advantages, completionMask: mask });
  assertClose(onPolicy.metrics.clipRatio, 0);
}));

test('gae matches TRL PPO (raw, and the full reward-shaping + whitening pipeline)', scoped(() => {
  const fx = rlFixtures().ppo_gae;
  const raw = gae(f32(fx.raw.rewards), f32(fx.raw.values), { gamma: fx.raw.gamma, lam: fx.raw.lam });
  assertClose(raw.advantages, fx.raw.advantages, { atol: 1e-6 });
  assertClose(raw.returns, fx.raw.returns, { atol: 1e-6 });
  const p = fx.trl_ppo_pipeline;
  const out = gae(f32(p.rewards), f32(p.values_masked), { gamma: p.gamma, lam: p.lam });
  assertClose(out.advantages, p.advantages_raw, { atol: 1e-6 });
  assertClose(out.returns, p.returns, { atol: 1e-6 });
  const padding = tensor(p.padding_mask as boolean[][]);
  const whitened = maskedWhiten(out.advantages, padding.logicalNot()).maskedFill(padding, 0);
  assertClose(whitened, p.advantages_whitened, { atol: 1e-6 });
}));
