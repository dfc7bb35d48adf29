/**
 * The rloo algorithm against TRL 1.13's RLOOTrainer on tiny-qwen2 (perturbed policy, base reference,
 * fixed completions and rewards; test/fixtures/rl/rloo_reinforce.json from
 * make_rloo_reinforce_golden.py): advantages, the kl metric and the first micro-batch's loss, then
 * the loss and clip metrics with the policy moved back to the base weights (ratio != 1).
 * The importance-sampling correction with an artificially perturbed sampler log-prob: exact
 * weights and the weighted loss in grpo and rloo.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSafetensors } from '../../../src/io/safetensors.js';
import { loadCausalLm, type CausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import {
  buildBatch, completionLogps, grpoAlgorithm, rlooAlgorithm, sampleRollout, type OnlinePrompt, type Rollout, type RolloutScorer,
} from '../../../src/trainers/online/index.js';
import { SINGLE_PROCESS } from '../../../src/trainers/online/world.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const g = JSON.parse(readFileSync('test/fixtures/rl/rloo_reinforce.json', 'utf8')).rloo;
const PAD = 3;
const asIs = <T>(fn: () => T): T => fn();

function withWeights(file: string, model?: PretrainedCausalLm): PretrainedCausalLm {
  const lm = model ?? loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, file))));
  return lm;
}

/** The golden's completions as a rollout, whatever the policy would sample. */
function fixedSampler(_policy: CausalLm, prompts: readonly OnlinePrompt[], config: { numReturnSequences: number }): Rollout {
  const rows = prompts.flatMap((p) => Array.from({ length: config.numReturnSequences }, () => p.ids));
  const completions = g.completions as number[][];
  return { batch: buildBatch(rows, completions, completions.map((c) => c.map(() => 0)), PAD), prompts: rows, completions, truncated: completions.map((c) => c.at(-1) !== 2) };
}

/** Each completion's fixed reward. */
const fixedScorer = {
  score: async (rollout: Rollout) => {
    const byIds = new Map((g.completions as number[][]).map((c, i) => [c.join(','), g.rewards[i] as number]));
    const total = rollout.completions.map((c) => byIds.get(c.join(',')) as number);
    return { total, perSource: { fixed: total } };
  },
} as unknown as RolloutScorer;

const prompts: OnlinePrompt[] = (g.prompts as number[][]).map((ids) => ({ ids }));

function rloo(policy: PretrainedCausalLm, beta: number, normalize: boolean) {
  return rlooAlgorithm(policy, beta > 0 ? loadCausalLm(MODEL) : null, fixedScorer, {
    numGenerations: 4, microBatchSize: 2, gradientAccumulationSteps: 4, beta, epsilon: 0.2, numIterations: 1,
    normalizeAdvantages: normalize, maskTruncatedCompletions: false,
    generation: { maxNewTokens: 8, padTokenId: PAD }, seed: 1, sampler: fixedSampler,
  });
}

for (const [name, c] of Object.entries(g.cases) as [string, { beta: number; normalize_advantages: boolean; advantages: number[]; kl: number | null; loss_first_micro_batch: number; loss_first_micro_batch_base_policy: number; clip_ratio_base_policy: Record<string, number> }][]) {
  test(`rloo ${name}: advantages, kl and the first loss equal TRL RLOOTrainer's on tiny-qwen2`, async () => {
    const policy = withWeights('policy-perturbed.safetensors');
    const algorithm = rloo(policy, c.beta, c.normalize_advantages);
    const buffer = await algorithm.collect(prompts, 0, asIs, SINGLE_PROCESS, 0);
    const advantages = buffer.advantages.toArray() as number[];
    const worst = Math.max(...advantages.map((a, i) => Math.abs(a - (c.advantages[i] as number))));
    assert.ok(worst < 2e-5, `advantages max |diff| ${worst}: ${advantages} vs ${c.advantages}`);
    if (c.kl !== null) assert.ok(Math.abs((buffer.metrics['kl'] as number) - c.kl) < 1e-6, `kl ${buffer.metrics['kl']} vs ${c.kl}`);
    // TRL's _compute_loss is the micro-batch mean; the Trainer divides by gradient_accumulation_steps (4).
    const first = tidy(() => algorithm.loss(buffer, 0, 0).loss.item()) * 4;
    assert.ok(Math.abs(first - c.loss_first_micro_batch) < 2e-5, `loss ${first} vs ${c.loss_first_micro_batch}`);
    withWeights('model.safetensors', policy);
    const moved = tidy(() => algorithm.loss(buffer, 0, 0));
    if (c.beta === 0) {
      // Without the KL, a second iteration or the correction, no old log-probs are kept: within one
      // optimizer step the policy cannot move, so the ratio is 1 by construction (TRL recomputes it).
      assert.equal(moved.loss.item() * 4, first);
      return;
    }
    assert.ok(Math.abs(moved.loss.item() * 4 - c.loss_first_micro_batch_base_policy) < 2e-5, `loss ${moved.loss.item() * 4} vs ${c.loss_first_micro_batch_base_policy}`);
    for (const [k, v] of Object.entries(c.clip_ratio_base_policy)) assert.equal(moved.metrics[k], v, k);
  });
}

test('importance sampling: a sampler log-prob 0.5 below the training one gives weight e^0.5 per token (token_truncate) and scales the grpo loss by it', async () => {
  const policy = loadCausalLm(MODEL);
  const DELTA = 0.5;
  const perturbedSampler = (p: CausalLm, ps: readonly OnlinePrompt[], config: { numReturnSequences: number; seed: number; padTokenId: number; maxNewTokens?: number }): Rollout => {
    const r = sampleRollout(p, ps.map((x) => x.ids), { ...config, doSample: true });
    // The sampler saw each token as e^0.5 less likely than the training forward does.
    const training = noGrad(() => completionLogps(policy, r.batch));
    r.batch.generationLogps = training.sub(r.batch.completionMask.mul(DELTA));
    return r;
  };
  const make = (correction: boolean, mode: 'token_truncate' | 'sequence_mask' = 'token_truncate') => grpoAlgorithm(policy, null, fixedScorerAny, {
    numGenerations: 4, microBatchSize: 8, gradientAccumulationSteps: 1, beta: 0, epsilon: 0.2, lossType: 'bnpo', advantageType: 'grpo',
    scaleRewards: 'group', importanceSamplingLevel: 'token', numIterations: 1, maskTruncatedCompletions: false,
    generation: { maxNewTokens: 6, padTokenId: PAD, eosTokenId: 2 }, seed: 7, sampler: perturbedSampler,
    samplingCorrection: correction ? { mode, clipMax: 3, clipMin: null } : null,
  });
  const plain = make(false);
  const corrected = make(true);
  const bPlain = await plain.collect(prompts, 0, asIs, SINGLE_PROCESS, 0);
  const bCorrected = await corrected.collect(prompts, 0, asIs, SINGLE_PROCESS, 0);
  const ratio = bCorrected.samplingRatio?.toArray() as number[][];
  const mask = bCorrected.lossMask.toArray() as number[][];
  ratio.forEach((row, i) => row.forEach((w, t) => {
    const expected = mask[i]?.[t] === 1 ? Math.exp(DELTA) : 1;
    assert.ok(Math.abs(w - expected) < 1e-6, `weight [${i}, ${t}] ${w} vs ${expected}`);
  }));
  assert.ok(Math.abs((bCorrected.metrics['sampling/sampling_logp_difference/mean'] as number) - DELTA) < 1e-6);
  assert.ok(Math.abs((bCorrected.metrics['sampling/importance_sampling_ratio/max'] as number) - Math.exp(DELTA)) < 1e-6);
  const lossPlain = tidy(() => plain.loss(bPlain, 0, 0).loss.item());
  const lossCorrected = tidy(() => corrected.loss(bCorrected, 0, 0).loss.item());
  assert.ok(Math.abs(lossCorrected - Math.exp(DELTA) * lossPlain) < 1e-6 * Math.max(1, Math.abs(lossPlain)), `${lossCorrected} vs e^0.5 x ${lossPlain}`);
  // sequence_mask: a sequence of L tokens has ratio e^(0.5 L) > 3 from L = 3 on, and is masked out.
  const seq = make(true, 'sequence_mask');
  const bSeq = await seq.collect(prompts, 0, asIs, SINGLE_PROCESS, 0);
  const lengths = (bSeq.lossMask.sum({ dim: 1 }).toArray() as number[]);
  (bSeq.samplingRatio?.toArray() as number[][]).forEach((row, i) => {
    const L = lengths[i] as number;
    const expected = Math.exp(DELTA * L) > 3 ? 0 : Math.exp(DELTA * L);
    assert.ok(Math.abs((row[0] as number) - expected) < 1e-5 * Math.max(1, expected), `row ${i} (${L} tokens): ${row[0]} vs ${expected}`);
  });
});

/** Rewards that differ within each group, whatever was sampled. */
const fixedScorerAny = {
  score: async (rollout: Rollout) => {
    const total = rollout.completions.map((c, i) => (c.length % 3) + (i % 4) * 0.25);
    return { total, perSource: { varied: total } };
  },
} as unknown as RolloutScorer;
