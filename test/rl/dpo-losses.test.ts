/**
 * Every DPO loss_type of TRL 1.13 against TRL's own DPOTrainer._compute_loss, in float64
 * (test/fixtures/rl/dpo_losses.json, written by make_dpo_losses_golden.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../../src/index.js';
import { DpoConfig } from '../../src/config/index.js';
import { DPO_LOSS_TYPES, DPO_LOSSES, dpoLoss, type DpoInputs, type DpoLossType } from '../../src/rl/index.js';
import { scoped } from '../helpers/assert.js';
import { rlFixtures } from './fixture.js';

const TOL = 1e-6;
const fx = rlFixtures('dpo_losses.json');

interface Case {
  loss_type: DpoLossType[];
  loss_weights: number[];
  beta: number;
  label_smoothing: number;
  discopop_tau: number;
  loss: number;
  rewards_chosen_mean: number;
  rewards_rejected_mean: number;
  per_pair_loss?: number[];
  chosen_rewards?: number[];
  rejected_rewards?: number[];
}
const cases = Object.entries(fx.cases as Record<string, Case>);

/** The stored batch, or the pairs `rows` of it, as float64 inputs. */
function inputs(rows?: number[]): DpoInputs {
  const x = fx.inputs as Record<string, number[]>;
  const pick = (k: string) => tensor(rows === undefined ? (x[k] as number[]) : rows.map((i) => (x[k] as number[])[i] as number), { dtype: 'float64' });
  return {
    policyChosenLogps: pick('policy_chosen_logps'), policyRejectedLogps: pick('policy_rejected_logps'),
    refChosenLogps: pick('ref_chosen_logps'), refRejectedLogps: pick('ref_rejected_logps'),
    chosenLengths: pick('chosen_lengths'), rejectedLengths: pick('rejected_lengths'),
  };
}

const options = (c: Case) => ({ beta: c.beta, lossType: c.loss_type, lossWeights: c.loss_weights, labelSmoothing: c.label_smoothing, discopopTau: c.discopop_tau });
const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= TOL, `${what}: ${got} vs TRL ${want} (|diff| ${Math.abs(got - want)})`);

test('the golden covers every loss type but sft (TRL averages its NLL over the batch tokens)', () => {
  const covered = new Set(cases.flatMap(([, c]) => c.loss_type));
  assert.deepEqual(DPO_LOSS_TYPES.filter((t) => !covered.has(t)), ['sft']);
});

test('dpoLoss equals TRL 1.13 on the whole batch for every loss type and weighted mix', scoped(() => {
  for (const [name, c] of cases) {
    const out = dpoLoss(inputs(), options(c));
    near(out.loss.item(), c.loss, `${name} loss`);
    near(out.metrics.chosen.item(), c.rewards_chosen_mean, `${name} rewards/chosen`);
    near(out.metrics.rejected.item(), c.rewards_rejected_mean, `${name} rewards/rejected`);
  }
}));

test('dpoLoss equals TRL 1.13 pair by pair (losses and rewards) for the losses that do not sort the batch', scoped(() => {
  for (const [name, c] of cases) {
    if (c.per_pair_loss === undefined) continue;
    assert.ok(c.loss_type.every((t) => !DPO_LOSSES[t].sortsBatch), name);
    const whole = dpoLoss(inputs(), options(c)).losses.toArray() as number[];
    c.per_pair_loss.forEach((want, i) => {
      near(whole[i] as number, want, `${name} pair ${i} in the batch`);
      const one = dpoLoss(inputs([i]), options(c));
      near(one.loss.item(), want, `${name} pair ${i} alone`);
      near(one.chosenRewards.item(), c.chosen_rewards?.[i] as number, `${name} pair ${i} chosen reward`);
      near(one.rejectedRewards.item(), c.rejected_rewards?.[i] as number, `${name} pair ${i} rejected reward`);
    });
  }
}));

test('dpo.discopop_tau defaults to TRL 1.13 DPOConfig.discopop_tau', () => {
  assert.equal(DpoConfig.parse({}).discopop_tau, fx.trl_default_discopop_tau);
});

test('AOT sorts the batch: its loss ignores the pairing, and its gradient reaches every pair', scoped(() => {
  const x = inputs();
  const pc = x.policyChosenLogps.clone().requiresGrad_(true);
  const out = dpoLoss({ ...x, policyChosenLogps: pc }, { lossType: 'aot', beta: 0.5 });
  out.loss.backward();
  const grad = (pc.grad as Tensor).toArray() as number[];
  assert.ok(grad.every((g) => Number.isFinite(g) && g < 0), `${grad}`);
  // Permuting the chosen answers across pairs leaves aot_unpaired unchanged (it sorts c and r apart).
  const perm = [2, 0, 3, 1];
  const permuted = inputs();
  const c = (permuted.policyChosenLogps.toArray() as number[]);
  const rc = (permuted.refChosenLogps.toArray() as number[]);
  const shuffled = { ...permuted, policyChosenLogps: tensor(perm.map((i) => c[i] as number), { dtype: 'float64' }), refChosenLogps: tensor(perm.map((i) => rc[i] as number), { dtype: 'float64' }) };
  near(dpoLoss(shuffled, { lossType: 'aot_unpaired' }).loss.item(), dpoLoss(x, { lossType: 'aot_unpaired' }).loss.item(), 'aot_unpaired under a permutation');
}));

test('dpoLoss refuses what the new loss types cannot compute', scoped(() => {
  const x = inputs();
  assert.throws(() => dpoLoss(x, { lossType: 'exo_pair' }), /'exo_pair' needs labelSmoothing > 0/);
  assert.throws(() => dpoLoss(x, { lossType: 'discopop', discopopTau: 0 }), /discopopTau \(0\) must be positive/);
  assert.throws(() => dpoLoss({ ...x, rejectedLengths: undefined }, { lossType: 'sigmoid_norm' }), /'sigmoid_norm' needs chosenLengths and rejectedLengths/);
}));
