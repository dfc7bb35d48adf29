/**
 * REINFORCE++ advantages against the OpenRLHF-faithful reference, RLOO advantages against TRL's
 * RLOOTrainer (test/fixtures/rl/rloo_reinforce.json, make_rloo_reinforce_golden.py), and the
 * importance-sampling correction's weights and weighted losses on hand-computed values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  grpoLoss, klEstimate, ppoPolicyLoss, reinforceAdvantages, rlooLoss, rlooTrlAdvantages, samplingImportanceRatio,
  type KlEstimator, type ReinforceAdvantageEstimator,
} from '../../src/rl/index.js';
import { tensor, tidy, type Tensor } from '../../src/tensor/index.js';

const golden = JSON.parse(readFileSync('test/fixtures/rl/rloo_reinforce.json', 'utf8'));
const f64 = (x: unknown) => tensor(x as number[], { dtype: 'float64' });

function close(actual: Tensor | number[] | number[][], expected: number[] | number[][], tol: number, what: string): void {
  const a = (Array.isArray(actual) ? actual : actual.toArray()) as number[] | number[][];
  const flat = (x: number[] | number[][]) => (x as unknown[]).flat() as number[];
  const [fa, fe] = [flat(a), flat(expected)];
  assert.equal(fa.length, fe.length, `${what}: length`);
  let worst = 0;
  fa.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - (fe[i] as number))); });
  assert.ok(worst <= tol, `${what}: max |diff| ${worst} > ${tol}`);
}

interface ReinforceCase { estimator: ReinforceAdvantageEstimator; n_samples_per_prompt: number; init_kl_coef: number; kl_estimator: KlEstimator; gamma: number; std_norm: boolean; reward_clip_range: [number, number] | null; kl: number[][]; token_rewards: number[][]; returns: number[][]; advantages: number[][] }

for (const [name, c] of Object.entries(golden.reinforce.cases) as [string, ReinforceCase][]) {
  test(`reinforce++ ${name}: token rewards, returns and whitened advantages equal OpenRLHF's`, () => {
    tidy(() => {
      const r = golden.reinforce;
      // OpenRLHF's compute_approx_kl computes in float32: equal to our float64 estimate to float32 rounding.
      close(klEstimate(f64(r.logp), f64(r.ref_logp), c.kl_estimator), c.kl, 3e-7, 'kl');
      const out = reinforceAdvantages(
        { rewards: f64(r.scores), perTokenKl: f64(c.kl), mask: f64(r.mask) },
        { estimator: c.estimator, numSamplesPerPrompt: c.n_samples_per_prompt, klCoef: c.init_kl_coef, gamma: c.gamma, stdNormalize: c.std_norm, rewardClipRange: c.reward_clip_range },
      );
      close(out.tokenRewards, c.token_rewards, 1e-12, 'token rewards');
      close(out.returns, c.returns, 1e-12, 'returns');
      close(out.advantages, c.advantages, 1e-12, 'advantages');
    });
  });
}

test('reinforce++: whitening over two ranks (sumAcross) equals one process holding the whole step', () => {
  tidy(() => {
    const r = golden.reinforce;
    const kl = klEstimate(f64(r.logp), f64(r.ref_logp), 'k2');
    const mask = f64(r.mask);
    const options = { estimator: 'reinforce_baseline' as const, numSamplesPerPrompt: 4, klCoef: 0.05 };
    const half = (i: number) => ({ rewards: f64(r.scores).slice(0, 4 * i, 4 * i + 4), perTokenKl: kl.slice(0, 4 * i, 4 * i + 4), mask: mask.slice(0, 4 * i, 4 * i + 4) });
    const whole = reinforceAdvantages({ rewards: f64(r.scores), perTokenKl: kl, mask }, options).advantages;
    // Each simulated rank's sumAcross adds the other rank's sums, computed from its (pre-whitening) returns.
    const parts = [0, 1].map((i) => {
      const other = half(1 - i);
      const otherReturns = reinforceAdvantages(other, options).returns;
      let globalMean = 0;
      let call = 0;
      return reinforceAdvantages(half(i), {
        ...options,
        sumAcross: (sums) => {
          call += 1;
          if (call === 1) {
            const out = [sums[0]! + otherReturns.mul(other.mask).sum().item(), sums[1]! + other.mask.sum().item()];
            globalMean = out[0]! / out[1]!;
            return out;
          }
          return [sums[0]! + otherReturns.sub(globalMean).square().mul(other.mask).sum().item()];
        },
      }).advantages;
    });
    close([...(parts[0]!.toArray() as number[][]), ...(parts[1]!.toArray() as number[][])], whole.toArray() as number[][], 1e-12, 'two ranks');
  });
});

test('rloo: advantages without KL equal TRL RLOOTrainer\'s (leave-one-out over groups of 4)', () => {
  tidy(() => {
    const g = golden.rloo;
    close(rlooTrlAdvantages(f64(g.rewards), { numGenerations: 4 }), g.cases.no_kl.advantages, 1e-6, 'advantages');
  });
});

test('rloo: advantages with a sequence KL and whitening equal TRL\'s when fed TRL\'s own KL-shaped rewards', () => {
  tidy(() => {
    // TRL's kl case: A = LOO(r − β·KL); recover β·KL from the two TRL cases and check whitening.
    const g = golden.rloo;
    const raw = f64(g.cases.kl.advantages);
    const whitened = raw.sub(raw.mean()).div(raw.std().add(1e-4));
    close(whitened, g.cases.kl_normalized.advantages, 1e-6, 'normalized');
    // And a hand case: rewards [1, 2, 3, 4], KL [1, 0, 0, 0], β = 0.5 → r' = [0.5, 2, 3, 4].
    const A = rlooTrlAdvantages(f64([1, 2, 3, 4]), { numGenerations: 4, beta: 0.5, sequenceKl: f64([1, 0, 0, 0]) });
    close(A, [0.5 - 3, 2 - 7.5 / 3, 3 - 6.5 / 3, 4 - 5.5 / 3], 1e-12, 'hand');
  });
});

test('rloo loss: sequence ratio, clipping and the micro-batch mean', () => {
  tidy(() => {
    const perTokenLogps = f64([[-1, -2, -9], [-0.5, -0.5, -0.5]]);
    const mask = f64([[1, 1, 0], [1, 1, 1]]);
    const old = f64([-3.2, -1.6]); // ratios e^0.2 (clipped high for A > 0) and e^0.1
    const out = rlooLoss({ perTokenLogps, oldSequenceLogps: old, advantages: f64([2, -1]), completionMask: mask }, { epsilonLow: 0.2, epsilonHigh: 0.1 });
    const expected = (-Math.min(Math.exp(0.2) * 2, 1.1 * 2) - Math.min(Math.exp(0.1) * -1, Math.min(Math.exp(0.1), 1.1) * -1)) / 2;
    assert.ok(Math.abs(out.loss.item() - expected) < 1e-12, `${out.loss.item()} vs ${expected}`);
    assert.deepEqual(out.clipped.high.toArray(), [1, 0]);
    assert.deepEqual(out.clipped.low.toArray(), [0, 0]);
    const weighted = rlooLoss({ perTokenLogps, oldSequenceLogps: old, advantages: f64([2, -1]), completionMask: mask, samplingRatio: f64([0.5, 0]) }, { epsilonLow: 0.2, epsilonHigh: 0.1 });
    assert.ok(Math.abs(weighted.loss.item() - (-1.1 * 2 * 0.5) / 2) < 1e-12);
  });
});

// ---- importance-sampling correction ---------------------------------------------------------------
const OLD = [[-1.0, -2.0, -0.5], [-0.3, -0.7, -4.0]];
const SAMPLER = [[-1.5, -1.0, -0.5], [-0.3, -2.7, -1.0]]; // token 2 of row 1 is padding
const MASK = [[1, 1, 1], [1, 1, 0]];

test('importance sampling: token_truncate weights are min(exp(old - sampler), cap) per token; padding weighs 1', () => {
  tidy(() => {
    const { ratio, metrics } = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'token_truncate', clipMax: 3 });
    close(ratio, [[Math.exp(0.5), Math.exp(-1), 1], [1, 3, 1]], 1e-12, 'weights'); // e^2 = 7.39 capped at 3
    assert.ok(Math.abs(metrics.logpDifferenceMean.item() - (0.5 + 1 + 0 + 0 + 2) / 5) < 1e-12);
    assert.equal(metrics.logpDifferenceMax.item(), 2);
    assert.ok(Math.abs(metrics.ratioMin.item() - Math.exp(-1)) < 1e-12);
    assert.equal(metrics.ratioMax.item(), 3);
    assert.ok(Math.abs(metrics.ratioMean.item() - (Math.exp(0.5) + Math.exp(-1) + 1 + 1 + 3) / 5) < 1e-12);
  });
});

test('importance sampling: token_mask zeroes ratios outside [clip_min, clip_max]; sequence modes use the product', () => {
  tidy(() => {
    const masked = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'token_mask', clipMax: 3, clipMin: 0.5 });
    close(masked.ratio, [[Math.exp(0.5), 0, 1], [1, 0, 1]], 1e-12, 'token_mask');
    // Row sums of the masked differences: 0.5 − 1 + 0 = −0.5; 0 + 2 = 2.
    const seqTrunc = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'sequence_truncate', clipMax: 3 });
    close(seqTrunc.ratio, [[Math.exp(-0.5)], [3]], 1e-12, 'sequence_truncate');
    const seqMask = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'sequence_mask', clipMax: 3 });
    close(seqMask.ratio, [[Math.exp(-0.5)], [0]], 1e-12, 'sequence_mask');
    assert.equal(seqMask.metrics.ratioMax.item(), Math.exp(-0.5));
    assert.equal(seqMask.metrics.ratioMin.item(), 0);
    assert.throws(() => samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'token_mask', clipMin: 3, clipMax: 2 }), /clipMin \(3\) must be less than clipMax \(2\)/);
  });
});

test('importance sampling: grpo and ppo multiply each token\'s clipped term by its weight (the KL term unweighted)', () => {
  tidy(() => {
    const w = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'token_truncate', clipMax: 3 }).ratio;
    const logps = f64(OLD); // a fresh rollout: ratio 1, so the surrogate is −A per token
    const ref = f64([[-1.1, -2.0, -0.4], [-0.3, -0.5, -4.0]]);
    const A = f64([1.5, -2]);
    const g = grpoLoss({ perTokenLogps: logps, refPerTokenLogps: ref, advantages: A, completionMask: f64(MASK), samplingRatio: w }, { beta: 0.1, lossType: 'bnpo' });
    const k3 = (lp: number, lr: number) => Math.exp(lr - lp) - (lr - lp) - 1;
    const terms = [
      -1.5 * Math.exp(0.5) + 0.1 * k3(-1, -1.1), -1.5 * Math.exp(-1) + 0.1 * k3(-2, -2), -1.5 * 1 + 0.1 * k3(-0.5, -0.4),
      2 * 1 + 0.1 * k3(-0.3, -0.3), 2 * 3 + 0.1 * k3(-0.7, -0.5),
    ];
    const expected = terms.reduce((a, b) => a + b, 0) / 5;
    assert.ok(Math.abs(g.loss.item() - expected) < 1e-12, `grpo ${g.loss.item()} vs ${expected}`);
    const tokenA = A.unsqueeze(1).expand([2, 3]);
    const p = ppoPolicyLoss({ logps, oldLogps: logps, advantages: tokenA, mask: f64(MASK), samplingRatio: w }, { clipRange: 0.2 });
    const ppoExpected = (-1.5 * (Math.exp(0.5) + Math.exp(-1) + 1) + 2 * (1 + 3)) / 5;
    assert.ok(Math.abs(p.loss.item() - ppoExpected) < 1e-12, `ppo ${p.loss.item()} vs ${ppoExpected}`);
    // (B, 1) sequence weights broadcast over tokens.
    const seq = samplingImportanceRatio(f64(OLD), f64(SAMPLER), f64(MASK), { mode: 'sequence_truncate', clipMax: 3 }).ratio;
    const gs = grpoLoss({ perTokenLogps: logps, advantages: A, completionMask: f64(MASK), samplingRatio: seq }, { lossType: 'bnpo' });
    assert.ok(Math.abs(gs.loss.item() - (-1.5 * 3 * Math.exp(-0.5) + 2 * 2 * 3) / 5) < 1e-12);
  });
});
