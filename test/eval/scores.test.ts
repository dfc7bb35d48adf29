/** distinct-n, perplexity, reward statistics, preference, regression and critic metrics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  criticMetrics, distinctN, dpoImplicitRewards, perplexity, perplexityFromSum, perplexityFromTokenLosses,
  preferenceMetrics, regressionMetrics, rewardStats, tokenizeChars,
} from '../../src/eval/index.js';
import { fixtureJson } from './fixtures.js';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('distinct-1/2 count unique n-grams over all n-grams across texts', () => {
  const texts = ['the cat sat', 'the cat ran', 'a dog'];
  assert.equal(distinctN(texts, 1), 6 / 8); // the, cat, sat, ran, a, dog of 8 unigrams
  assert.equal(distinctN(texts, 2), 4 / 5); // 'the cat' twice
  assert.equal(distinctN(['same same same'], 1), 1 / 3);
  assert.equal(distinctN(['机器学习', '深度学习'], 2, { tokenize: tokenizeChars }), 5 / 6); // '学习' twice
  assert.equal(distinctN(['one'], 2), 0);
  assert.throws(() => distinctN([], 1), /no texts/);
  assert.throws(() => distinctN(['a'], 0), /positive integer, got 0/);
});

test('perplexity is exp of the mean token loss: the tiny Qwen2 golden causal-LM loss', () => {
  const fwd = fixtureJson('models/tiny-qwen2/golden.json').forward;
  const losses: number[] = [];
  fwd.float32.per_token_ce.forEach((row: number[], b: number) => row.forEach((ce, t) => {
    if (fwd.attention_mask[b][t + 1] === 1) losses.push(ce); // token t+1 is a real label
  }));
  assert.equal(losses.length, fwd.float32.num_loss_tokens);
  const expected = Math.exp(fwd.float64.causal_lm_loss);
  close(perplexityFromTokenLosses(losses), expected, 1e-5 * expected, 'from per-token CE');
  close(perplexity(fwd.float32.causal_lm_loss), 726.1493, 1e-3, 'e^6.58776');
  assert.equal(perplexityFromSum(6, 3), Math.exp(2));
  // Token-weighted, not a mean of sequence perplexities: exp((1·1 + 3·3) / 4), not (e + e³) / 2.
  assert.equal(perplexityFromTokenLosses([1, 3, 3, 3]), Math.exp(2.5));
  assert.throws(() => perplexity(Number.NaN), /must be finite, got NaN/);
  assert.throws(() => perplexityFromSum(1, 0), /numTokens must be positive/);
});

test('rewardStats: mean, population std, min, max', () => {
  const s = rewardStats([0.5, 1.5, -1]);
  close(s.mean, 1 / 3, 1e-15, 'mean');
  close(s.std, Math.sqrt((1 / 36 + 49 / 36 + 16 / 9) / 3), 1e-15, 'std');
  assert.deepEqual([s.min, s.max, s.count], [-1, 1.5, 3]);
  assert.throws(() => rewardStats([1, Number.NaN]), /reward 1 is NaN/);
  assert.throws(() => rewardStats([]), /no rewards/);
});

test('preference accuracy (ties are wrong) and margin; DPO implicit rewards equal the TRL golden values', () => {
  const m = preferenceMetrics([1.2, 0.3, 0.5], [0.4, 0.9, 0.5]);
  assert.equal(m.accuracy, 1 / 3);
  close(m.margin, (0.8 - 0.6 + 0) / 3, 1e-15, 'margin');
  assert.throws(() => preferenceMetrics([1], [1, 2]), /1 chosen scores but 2 rejected scores/);
  const rl = fixtureJson('rl/rl.json');
  const { reference_initial: ref, policy_perturbed: pol } = rl.preference.logps;
  const r = dpoImplicitRewards({ policyChosen: pol.chosen_logps, policyRejected: pol.rejected_logps, refChosen: ref.chosen_logps, refRejected: ref.rejected_logps }, 0.1);
  const golden = rl.dpo.cases.policy_perturbed.sigmoid;
  r.chosen.forEach((x, i) => close(x, golden.chosen_rewards[i], 1e-6, `chosen reward ${i}`));
  r.rejected.forEach((x, i) => close(x, golden.rejected_rewards[i], 1e-6, `rejected reward ${i}`));
});

test("regression metrics: MSE, MAE and scikit-learn's R² (including constant targets)", () => {
  const m = regressionMetrics([2.5, 0, 2, 8], [3, -0.5, 2, 7]); // scikit-learn's r2_score docstring example
  assert.equal(m.mse, 0.375);
  assert.equal(m.mae, 0.5);
  close(m.r2, 0.9486081370449679, 1e-15, 'r2');
  assert.equal(regressionMetrics([1, 3], [2, 2]).r2, 0); // constant targets, imperfect fit
  assert.equal(regressionMetrics([2, 2], [2, 2]).r2, 1);
  assert.ok(regressionMetrics([3, 1], [1, 3]).r2 < 0); // worse than predicting the mean
});

test('critic d_acc counts prompts where the teacher outscores the student; score_diff is the mean gap', () => {
  const c = criticMetrics([2.0, 1.5, 0.2, 1.0], [1.0, 1.7, -0.5, 1.0]);
  assert.equal(c.dAcc, 0.5); // the tie counts as not separated
  close(c.scoreDiff, (1 - 0.2 + 0.7 + 0) / 4, 1e-15, 'score_diff');
  close(c.teacherScore, 4.7 / 4, 1e-15, 'teacher');
  close(c.studentScore, 3.2 / 4, 1e-15, 'student');
  assert.throws(() => criticMetrics([], []), /no teacher scores/);
});
