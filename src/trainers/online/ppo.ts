/**
 * PPO for RLHF (Ziegler et al. 2019; Ouyang et al. 2022; TRL PPOTrainer semantics): the policy
 * samples, the reward lands on the last real completion token (the EOS), a per-token KL to the
 * reference is folded into the rewards (or added to the loss), GAE gives advantages and
 * returns, then ppo_epochs passes of shuffled mini-batches optimise the clipped surrogate, the
 * clipped value loss and an entropy bonus.
 */
import type { PretrainedCausalLm, SequenceScoreModel } from '../../models/index.js';
import {
  AdaptiveKlController, explainedVariance, gae, klEstimate, maskedMean, maskedWhiten, ppoPolicyLoss, ppoValueLoss,
  type KlEstimator, type KlPenalty,
} from '../../rl/index.js';
import { shuffledIndices } from '../../data/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { completionLogps, rolloutOptions, selectRows, type RolloutBatch } from './rollout.js';
import { episodeMetrics, modelTokenCounts, sampleOnline, scoredLengths, type EpisodeSource } from './episode-rollout.js';
import { policyStatsAndValues, valueCompanions, type ValueSource } from './value.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';
import { samplingCorrection, type SamplingCorrectionSettings } from './sampling-correction.js';

export interface PpoAlgorithmOptions extends OnlineRunSettings {
  numMiniBatches: number;
  ppoEpochs: number;
  clipRange: number;
  clipRangeValue: number;
  valueLossCoef: number;
  entropyCoef: number;
  klCoef: number;
  klEstimator: KlEstimator;
  klPenalty: KlPenalty;
  adaptiveKl: { target: number; horizon: number } | null;
  gamma: number;
  lam: number;
  whitenAdvantages: boolean;
  whitenRewards: boolean;
  rewardClip: number | null;
  missingEosPenalty: number | null;
  /** Roll out whole episodes in this environment (loss on the model's tokens only); null: single completions. */
  episodes?: EpisodeSource | null;
  /** Importance-sampling correction of the sampler / training log-prob mismatch; null: off. */
  samplingCorrection?: SamplingCorrectionSettings | null;
}

export interface PpoBuffer extends RolloutBuffer {
  batch: RolloutBatch;
  oldLogps: Tensor;
  refLogps: Tensor;
  oldValues: Tensor;
  advantages: Tensor;
  returns: Tensor;
  mask: Tensor;
  /** Row order of each (epoch, mini-batch) update. */
  order: number[][];
  /** Mean per-sequence KL of the rollout (for the adaptive controller). */
  meanKl: number;
  /** (B, C) or (B, 1) sampler-mismatch weights; null without the correction. */
  samplingRatio: Tensor | null;
}


/**
 * (N, C) per-token rewards holding each sequence score on its last real completion token —
 * index length − 1, the EOS when there is one — and 0 elsewhere (never one past the end).
 */
export function scoresAtLastToken(lengths: readonly number[], scores: readonly number[], C: number): Tensor {
  const lastIndex = tensor(lengths.map((l) => Math.max(0, l - 1)), { dtype: 'int64' }).unsqueeze(1);
  return tensor(lengths.map(() => Array<number>(C).fill(0)), { dtype: 'float32' }).scatter(1, lastIndex, tensor(scores.map((s) => [s]), { dtype: 'float32' }));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function ppoAlgorithm(policy: PretrainedCausalLm, values: ValueSource, reference: ReferencePolicy, scorer: RolloutScorer, o: PpoAlgorithmOptions): OnlineAlgorithm<PpoBuffer> {
  if (reference === null || reference === 'precomputed') throw new Error(`ppo needs a reference model for its KL penalty, got ${String(reference)}`);
  freezeReference(reference);
  const kl = new AdaptiveKlController(o.klCoef, o.adaptiveKl?.target ?? 1, o.adaptiveKl?.horizon ?? 1);
  const miniBatch = o.microBatchSize * o.gradientAccumulationSteps;
  const rolloutSize = miniBatch * o.numMiniBatches;
  const refLogpsOf = (b: RolloutBatch): Tensor => withReference(reference, policy, (ref) => completionLogps(ref, b));
  return {
    name: 'ppo',
    policy,
    companions: valueCompanions(values),
    promptsPerIteration: rolloutSize,
    updatesPerIteration: o.ppoEpochs * o.numMiniBatches,
    microBatchesPerUpdate: o.gradientAccumulationSteps,
    async collect(prompts: readonly OnlinePrompt[], iteration: number, inPrecision, world): Promise<PpoBuffer> {
      // Every rank samples its own prompts with its own stream (one process: seed + iteration).
      const seed = o.seed + iteration * world.worldSize + world.rank;
      const rollout = await sampleOnline(policy, prompts, { ...o.generation, seed }, inPrecision, o.episodes ?? null, rolloutOptions(o));
      // Whitening and the logged statistics span every rank's rows.
      const across = world.worldSize > 1 ? { sumAcross: (s: number[]) => world.sum(s) } : {};
      const globalMean = (x: number) => (world.sum([x])[0] as number) / world.worldSize;
      const scored = await scorer.score(rollout, prompts.map((p) => p.reference));
      const scores = scored.total.map((s, i) => {
        let v = rollout.truncated[i] && o.missingEosPenalty !== null ? s - o.missingEosPenalty : s;
        if (o.rewardClip !== null) v = Math.min(o.rewardClip, Math.max(-o.rewardClip, v));
        return v;
      });
      // The score lands on the policy's last token (an episode's final EOS), past any environment tokens.
      const lengths = scoredLengths(rollout);
      const beta = kl.value;
      const parts = tidy(() => noGrad(() => inPrecision(() => {
        const b = rollout.batch;
        const mask = b.completionMask;
        const C = mask.size(1);
        const old = policyStatsAndValues(policy, values, b);
        const oldLogps = old.logps.mul(mask);
        const refLogps = refLogpsOf(b);
        const oldValues = old.values.mul(mask); // zero past the end: nothing bootstraps from padding
        const perTokenKl = klEstimate(oldLogps, refLogps, o.klEstimator).mul(mask);
        const scoreAtEnd = scoresAtLastToken(lengths, scores, C);
        const nonScore = o.klPenalty === 'reward' ? perTokenKl.mul(-beta) : perTokenKl.mul(0);
        let rewards = nonScore.add(scoreAtEnd);
        if (o.whitenRewards) rewards = maskedWhiten(rewards, mask, { shiftMean: false, ...across }).mul(mask);
        // Episodes: the environment's tokens are no actions, so GAE steps over them (mask).
        const { advantages: rawAdvantages, returns } = gae(rewards, oldValues, { gamma: o.gamma, lam: o.lam, ...(rollout.lossMasks === undefined ? {} : { mask }) });
        const advantages = (o.whitenAdvantages ? maskedWhiten(rawAdvantages, mask, across) : rawAdvantages).mul(mask);
        const seqKl = perTokenKl.sum({ dim: 1 });
        const corrected = o.samplingCorrection == null ? null : samplingCorrection(oldLogps, b.generationLogps, mask, o.samplingCorrection, world);
        return {
          samplingRatio: corrected?.ratio ?? null,
          samplingMetrics: corrected?.metrics ?? {},
          oldLogps, refLogps, oldValues, advantages, returns: returns.mul(mask), mask,
          // Means over sequences: every rank has as many, so the global mean is the mean of ranks' means.
          metrics: {
            meanKl: globalMean(seqKl.mean().item()),
            nonScore: globalMean(nonScore.sum({ dim: 1 }).mean().item()),
            entropy: globalMean(oldLogps.neg().sum({ dim: 1 }).mean().item()),
            explainedVariance: globalMean(explainedVariance(returns, oldValues, mask)),
          },
        };
      })));
      const order: number[][] = [];
      for (let e = 0; e < o.ppoEpochs; e++) {
        const perm = shuffledIndices(rolloutSize, o.seed + iteration * 7919 + e);
        for (let m = 0; m < o.numMiniBatches; m++) order.push(perm.slice(m * miniBatch, (m + 1) * miniBatch));
      }
      const { metrics: pm, samplingMetrics, ...tensors } = parts;
      const allScores = world.gather(scores);
      const allLengths = world.gather(modelTokenCounts(rollout));
      const allTruncated = world.gather(rollout.truncated.map(Number));
      return {
        batch: rollout.batch,
        ...tensors,
        order,
        meanKl: pm.meanKl,
        metrics: {
          reward: mean(allScores),
          'objective/scores': mean(allScores),
          'objective/kl': pm.meanKl,
          'objective/non_score_reward': pm.nonScore,
          'objective/rlhf_reward': mean(allScores) + pm.nonScore,
          'objective/entropy': pm.entropy,
          'val/explained_variance': pm.explainedVariance,
          'val/num_eos_tokens': allTruncated.filter((t) => t === 0).length,
          'completions/mean_length': mean(allLengths),
          'completions/truncated_ratio': mean(allTruncated),
          kl_coef: beta,
          ...episodeMetrics(rollout, world),
          ...samplingMetrics,
          ...Object.fromEntries(Object.entries(scored.perSource).map(([k, v]) => [`rewards/${k}/mean`, mean(world.gather(v))])),
        },
      };
    },
    loss(buffer, update, micro) {
      const rows = (buffer.order[update] as number[]).slice(micro * o.microBatchSize, (micro + 1) * o.microBatchSize);
      const index = tensor(rows, { dtype: 'int64' });
      const b = selectRows(buffer.batch, index);
      const pick = (t: Tensor) => t.indexSelect(0, index);
      const mask = b.completionMask;
      const { logps, entropy: tokenEntropy, values: vpred } = policyStatsAndValues(policy, values, b);
      const oldLogps = pick(buffer.oldLogps);
      const samplingRatio = buffer.samplingRatio === null ? {} : { samplingRatio: pick(buffer.samplingRatio) };
      const pg = ppoPolicyLoss({ logps, oldLogps, advantages: pick(buffer.advantages), mask, ...samplingRatio }, { clipRange: o.clipRange });
      const vf = ppoValueLoss({ values: vpred, oldValues: pick(buffer.oldValues), returns: pick(buffer.returns), mask }, { clipRangeValue: o.clipRangeValue });
      const pgLoss = pg.loss;
      const vfLoss = vf.loss;
      const entropy = maskedMean(tokenEntropy, mask);
      let loss = pgLoss.add(vfLoss.mul(o.valueLossCoef)).sub(entropy.mul(o.entropyCoef));
      if (o.klPenalty === 'loss') loss = loss.add(maskedMean(klEstimate(logps, pick(buffer.refLogps), o.klEstimator), mask).mul(kl.value));
      const item = (t: Tensor) => t.detach().item();
      return {
        loss: loss.div(o.gradientAccumulationSteps),
        metrics: {
          'loss/policy': item(pgLoss),
          'loss/value': item(vfLoss),
          'policy/entropy': item(entropy),
          'policy/approxkl': item(pg.metrics.approxKl),
          'policy/clipfrac': item(pg.metrics.clipFrac),
          'val/clipfrac': item(vf.metrics.clipFrac),
          'val/ratio': item(pg.metrics.ratio),
        },
      };
    },
    afterIteration(buffer) {
      if (o.adaptiveKl !== null) kl.update(buffer.meanKl, rolloutSize);
    },
    stateDict: () => ({ kl_coef: kl.value }),
    loadStateDict(state) {
      kl.value = state['kl_coef'] ?? kl.value;
    },
  };
}
