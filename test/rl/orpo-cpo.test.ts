/** ORPO's odds-ratio loss and the CPO/SimPO losses against TRL 1.13's own functions (test/fixtures/rl/orpo_cpo.json). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '../../src/index.js';
import { cpoLoss, log1mexp, orpoOddsRatioLoss, type CpoLossType } from '../../src/rl/index.js';
import { assertClose, scoped } from '../helpers/assert.js';

// Written by test/fixtures/rl/make_orpo_cpo_golden.py; tests run from the repository root.
const fx = JSON.parse(readFileSync('test/fixtures/rl/orpo_cpo.json', 'utf8'));
const f64 = (x: number[]): Tensor => tensor(x, { dtype: 'float64' });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface CpoCase { loss_type: CpoLossType; beta: number; label_smoothing: number; simpo_gamma: number; alpha: number; chosen_logps: number[]; rejected_logps: number[]; losses: number[]; chosen_rewards: number[]; rejected_rewards: number[] }

test('orpoOddsRatioLoss equals TRL odds_ratio_loss within 1e-6', scoped(() => {
  const c = f64(fx.orpo.chosen_logps);
  const r = f64(fx.orpo.rejected_logps);
  for (const [name, k] of Object.entries(fx.orpo.cases) as [string, { beta: number; losses_trl: number[]; chosen_rewards: number[]; rejected_rewards: number[]; log_odds_ratio: number; log_odds_chosen: number }][]) {
    const out = orpoOddsRatioLoss({ chosenLogps: c, rejectedLogps: r }, { beta: k.beta });
    // TRL returns β·log σ(log odds) and subtracts it; our per-pair term is added.
    assertClose(out.losses.neg(), k.losses_trl, { atol: 1e-6, rtol: 1e-6, msg: `${name} losses` });
    assertClose(out.chosenRewards, k.chosen_rewards, { atol: 1e-6, rtol: 1e-6, msg: `${name} chosen rewards` });
    assertClose(out.rejectedRewards, k.rejected_rewards, { atol: 1e-6, rtol: 1e-6, msg: `${name} rejected rewards` });
    assert.ok(Math.abs(mean(out.logSigmoidRatio.toArray() as number[]) - k.log_odds_ratio) < 1e-6, `${name} log_odds_ratio`);
    assert.ok(Math.abs(mean(out.logOdds.toArray() as number[]) - k.log_odds_chosen) < 1e-6, `${name} log_odds_chosen`);
  }
}));

test('log1mexp is accurate on both sides of −ln 2 and orpo checks its inputs', scoped(() => {
  const xs = [-1e-10, -1e-3, -0.6931, -0.6932, -5, -40];
  const got = log1mexp(f64(xs)).toArray() as number[];
  xs.forEach((x, i) => {
    const want = x > -0.5 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
    assert.ok(Math.abs((got[i] as number) - want) <= 1e-12 * Math.max(1, Math.abs(want)), `log1mexp(${x}) = ${got[i]}, want ${want}`);
  });
  assert.throws(() => orpoOddsRatioLoss({ chosenLogps: f64([-1]), rejectedLogps: f64([-1, -2]) }), /rejectedLogps' must have shape \[1\]/);
  assert.throws(() => orpoOddsRatioLoss({ chosenLogps: f64([-1]), rejectedLogps: f64([-1]) }, { beta: 0 }), /beta \(0\) must be positive/);
}));

test('cpoLoss equals TRL cpo_loss for every loss type, label smoothing, SimPO gamma and AlphaPO alpha within 1e-6', scoped(() => {
  const cases = Object.entries(fx.cpo) as [string, CpoCase][];
  assert.ok(cases.length >= 8);
  for (const [name, k] of cases) {
    const out = cpoLoss(
      { chosenLogps: f64(k.chosen_logps), rejectedLogps: f64(k.rejected_logps) },
      { beta: k.beta, lossType: k.loss_type, labelSmoothing: k.label_smoothing, simpoGamma: k.simpo_gamma, alpha: k.alpha },
    );
    assertClose(out.losses, k.losses, { atol: 1e-6, rtol: 1e-6, msg: `${name} losses` });
    assertClose(out.chosenRewards, k.chosen_rewards, { atol: 1e-6, rtol: 1e-6, msg: `${name} chosen rewards` });
    assertClose(out.rejectedRewards, k.rejected_rewards, { atol: 1e-6, rtol: 1e-6, msg: `${name} rejected rewards` });
  }
}));

test('cpoLoss: the gradient flows to the log-probs, rewards are detached, bad options throw', scoped(() => {
  const c = f64([-3, -5]).requiresGrad_();
  const out = cpoLoss({ chosenLogps: c, rejectedLogps: f64([-4, -4]) }, { lossType: 'simpo', beta: 2 });
  out.losses.sum().backward();
  assert.ok((c.grad?.toArray() as number[]).every((g) => g < 0), 'raising the chosen log-prob lowers the loss');
  assert.equal(out.chosenRewards.requiresGrad, false);
  assert.throws(() => cpoLoss({ chosenLogps: c, rejectedLogps: f64([-4]) }), /rejectedLogps' must have shape \[2\]/);
  assert.throws(() => cpoLoss({ chosenLogps: c, rejectedLogps: f64([-4, -4]) }, { labelSmoothing: 0.5 }), /labelSmoothing \(0.5\) must be in \[0, 0.5\)/);
}));
