/**
 * RLOO (TRL 1.13 RLOOTrainer semantics; Ahmadian et al. 2024): G completions per prompt, the
 * sequence KL to the reference (k1, summed over tokens) subtracted from each reward, a
 * leave-one-out baseline, optional whitening, then num_iterations updates of a sequence-level
 * clipped surrogate averaged over the micro-batch's sequences.
 */
import type { PretrainedCausalLm } from '../../models/index.js';
import { klEstimate, rlooLoss, rlooTrlAdvantages } from '../../rl/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { sampleAndScoreGroups, type GroupRolloutOptions } from './group-rollout.js';
import { completionLogps, sliceBatch, type RolloutBatch } from './rollout.js';
import { samplingCorrection, type SamplingCorrectionSettings } from './sampling-correction.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';

export interface RlooAlgorithmOptions extends OnlineRunSettings, GroupRolloutOptions {
  numGenerations: number;
  beta: number;
  epsilon: number;
  epsilonHigh?: number | null;
  numIterations: number;
  normalizeAdvantages: boolean;
  rewardClipRange?: readonly [number, number] | null;
  maskTruncatedCompletions: boolean;
  /** Sequence-level importance-sampling correction (sequence_truncate / sequence_mask); null: off. */
  samplingCorrection?: SamplingCorrectionSettings | null;
}

export interface RlooBuffer extends RolloutBuffer {
  batch: RolloutBatch;
  /** (B,) this rank's advantages. */
  advantages: Tensor;
  lossMask: Tensor;
  /** (B,) Σ_t log π_old at rollout time; null when one update needs none (the ratio is then exactly 1). */
  oldSequenceLogps: Tensor | null;
  /** (B,) sampler-mismatch weights; null without the correction. */
  samplingRatio: Tensor | null;
}

export function rlooAlgorithm(policy: PretrainedCausalLm, reference: ReferencePolicy, scorer: RolloutScorer, o: RlooAlgorithmOptions): OnlineAlgorithm<RlooBuffer> {
  const G = o.numGenerations;
  const completionsPerStep = o.microBatchSize * o.gradientAccumulationSteps;
  if (completionsPerStep % G !== 0) throw new Error(`rloo: ${completionsPerStep} completions per step are not whole groups of ${G}`);
  if (o.beta > 0 && (reference === null || reference === 'precomputed')) throw new Error(`rloo: beta (${o.beta}) > 0 needs a reference model to run on each rollout, got ${String(reference)}`);
  const correction = o.samplingCorrection ?? null;
  if (correction !== null && !correction.mode.startsWith('sequence')) throw new Error(`rloo: importance_sampling_mode ${correction.mode} is per token, but rloo's ratio is per sequence; use sequence_truncate or sequence_mask`);
  freezeReference(reference);
  const epsilonHigh = o.epsilonHigh ?? o.epsilon;
  return {
    name: 'rloo',
    policy,
    promptsPerIteration: completionsPerStep / G,
    updatesPerIteration: o.numIterations,
    microBatchesPerUpdate: o.gradientAccumulationSteps,
    async collect(prompts: readonly OnlinePrompt[], iteration: number, inPrecision, world): Promise<RlooBuffer> {
      const { rollout, allRewards, mine, metrics } = await sampleAndScoreGroups(policy, scorer, prompts, G, iteration, inPrecision, world, o);
      const range = o.rewardClipRange ?? null;
      const rewards = range === null ? allRewards : allRewards.map((r) => Math.min(range[1], Math.max(range[0], r)));
      return tidy(() => inPrecision(() => {
        const b = rollout.batch;
        const keepRow = tensor(rollout.truncated.map((t) => (o.maskTruncatedCompletions && t ? 0 : 1)), { dtype: 'float32' }).unsqueeze(1);
        const lossMask = b.completionMask.mul(keepRow);
        // TRL always recomputes the old log-probs; they only matter for the KL, a second update or the correction.
        const needOld = o.beta > 0 || o.numIterations > 1 || correction !== null;
        const oldLogps = needOld ? noGrad(() => completionLogps(policy, b)) : null;
        let sequenceKl: Tensor | undefined;
        if (o.beta > 0 && oldLogps !== null) {
          const refLogps = withReference(reference, policy, (ref) => completionLogps(ref, b));
          const perTokenKl = klEstimate(oldLogps, refLogps, 'k1').mul(lossMask);
          const [klSum, tokens] = world.sum([perTokenKl.sum().item(), lossMask.sum().item()]) as [number, number];
          metrics['kl'] = klSum / Math.max(1, tokens);
          sequenceKl = tensor(world.gather(perTokenKl.sum({ dim: 1 }).toArray() as number[]), { dtype: 'float32' });
        }
        const advantages = rlooTrlAdvantages(tensor(rewards, { dtype: 'float32' }), {
          numGenerations: G, beta: o.beta, normalize: o.normalizeAdvantages, ...(sequenceKl === undefined ? {} : { sequenceKl }),
        }).slice(0, mine.start, mine.end);
        const corrected = correction === null || oldLogps === null ? null : samplingCorrection(oldLogps, b.generationLogps, lossMask, correction, world);
        if (corrected !== null) Object.assign(metrics, corrected.metrics);
        return {
          batch: b,
          advantages,
          lossMask,
          oldSequenceLogps: oldLogps === null ? null : oldLogps.mul(lossMask).sum({ dim: 1 }),
          samplingRatio: corrected === null ? null : corrected.ratio.reshape([-1]),
          metrics,
        };
      }));
    },
    loss(buffer, _update, micro) {
      const start = micro * o.microBatchSize;
      const end = start + o.microBatchSize;
      const b = sliceBatch(buffer.batch, start, end);
      const lossMask = buffer.lossMask.slice(0, start, end);
      const perTokenLogps = completionLogps(policy, b);
      const out = rlooLoss(
        {
          perTokenLogps,
          oldSequenceLogps: buffer.oldSequenceLogps?.slice(0, start, end) ?? perTokenLogps.detach().mul(lossMask).sum({ dim: 1 }),
          advantages: buffer.advantages.slice(0, start, end),
          completionMask: lossMask,
          ...(buffer.samplingRatio === null ? {} : { samplingRatio: buffer.samplingRatio.slice(0, start, end) }),
        },
        { epsilonLow: o.epsilon, epsilonHigh },
      );
      const { low, high, region } = out.clipped;
      // TRL returns the micro-batch mean and the Trainer divides by the accumulation steps.
      return {
        loss: out.loss.div(o.gradientAccumulationSteps),
        metrics: {
          'clip_ratio/low_mean': low.mean().item(),
          'clip_ratio/low_min': low.min().item(),
          'clip_ratio/high_mean': high.mean().item(),
          'clip_ratio/high_max': high.max().item(),
          'clip_ratio/region_mean': region.mean().item(),
        },
      };
    },
  };
}
