/**
 * GRPO (DeepSeekMath; TRL GRPOTrainer semantics): G completions per prompt, group-relative
 * advantages, clipped ratio (token-level, or sequence-level as GSPO) with a k3 KL to the
 * reference, aggregated as grpo / bnpo / dr_grpo / dapo, num_iterations updates per rollout.
 */
import type { GrpoConfig } from '../../config/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { groupAdvantages, grpoLoss, type AdvantageType, type GrpoLossType, type ImportanceSamplingLevel, type ScaleRewards } from '../../rl/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { completionLogps, sliceBatch, type RolloutBatch } from './rollout.js';
import { sampleAndScoreGroups, type GroupRolloutOptions } from './group-rollout.js';
import { samplingCorrection, type SamplingCorrectionSettings } from './sampling-correction.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';

export interface GrpoAlgorithmOptions extends OnlineRunSettings, GroupRolloutOptions {
  numGenerations: number;
  beta: number;
  epsilon: number;
  epsilonHigh?: number | null;
  lossType: GrpoLossType;
  advantageType: AdvantageType;
  scaleRewards: ScaleRewards;
  importanceSamplingLevel: ImportanceSamplingLevel;
  numIterations: number;
  maskTruncatedCompletions: boolean;
  /** Importance-sampling correction of the sampler / training log-prob mismatch; null: off. */
  samplingCorrection?: SamplingCorrectionSettings | null;
}

export interface GrpoBuffer extends RolloutBuffer {
  batch: RolloutBatch;
  advantages: Tensor;
  /** Loss mask: the completion mask, without truncated completions when masked. */
  lossMask: Tensor;
  oldLogps: Tensor | null;
  refLogps: Tensor | null;
  /** (B, C) or (B, 1) sampler-mismatch weights; null without the correction. */
  samplingRatio: Tensor | null;
  /** Loss tokens of the whole step (dapo's normaliser). */
  numItems: number;
}

export function grpoAlgorithm(policy: PretrainedCausalLm, reference: ReferencePolicy, scorer: RolloutScorer, o: GrpoAlgorithmOptions): OnlineAlgorithm<GrpoBuffer> {
  const G = o.numGenerations;
  const completionsPerStep = o.microBatchSize * o.gradientAccumulationSteps;
  if (completionsPerStep % G !== 0) throw new Error(`grpo: ${completionsPerStep} completions per step are not whole groups of ${G}`);
  if (o.beta > 0 && (reference === null || reference === 'precomputed')) throw new Error(`grpo: beta (${o.beta}) > 0 needs a reference model to run on each rollout, got ${String(reference)}`);
  freezeReference(reference);
  const refLogps = (b: RolloutBatch): Tensor => withReference(reference, policy, (ref) => completionLogps(ref, b));
  return {
    name: 'grpo',
    policy,
    promptsPerIteration: completionsPerStep / G,
    updatesPerIteration: o.numIterations,
    microBatchesPerUpdate: o.gradientAccumulationSteps,
    async collect(prompts: readonly OnlinePrompt[], iteration: number, inPrecision, world): Promise<GrpoBuffer> {
      const { rollout, allRewards, mine, metrics } = await sampleAndScoreGroups(policy, scorer, prompts, G, iteration, inPrecision, world, o);
      const correction = o.samplingCorrection ?? null;
      return tidy(() => inPrecision(() => {
        const b = rollout.batch;
        const keepRow = tensor(rollout.truncated.map((t) => (o.maskTruncatedCompletions && t ? 0 : 1)), { dtype: 'float32' }).unsqueeze(1);
        const lossMask = b.completionMask.mul(keepRow);
        // One rollout, several updates: the ratio needs the policy as it generated (TRL computes
        // these only when num_iterations > 1 or to correct the sampler; else the detached logps give ratio 1).
        const oldLogps = o.numIterations > 1 || correction !== null ? noGrad(() => completionLogps(policy, b)) : null;
        const corrected = correction === null || oldLogps === null ? null : samplingCorrection(oldLogps, b.generationLogps, lossMask, correction, world);
        if (corrected !== null) Object.assign(metrics, corrected.metrics);
        return {
          batch: b,
          samplingRatio: corrected?.ratio ?? null,
          advantages: groupAdvantages(tensor(allRewards, { dtype: 'float32' }), { numGenerations: G, type: o.advantageType, scaleRewards: o.scaleRewards }).slice(0, mine.start, mine.end),
          lossMask,
          oldLogps,
          refLogps: o.beta > 0 ? refLogps(b) : null,
          // dapo's normaliser: the loss tokens of the whole step, per rank (as TRL divides by the
          // process count), since the ranks' gradients are averaged.
          numItems: (world.sum([lossMask.sum().item()])[0] as number) / world.worldSize,
          metrics,
        };
      }));
    },
    loss(buffer, _update, micro) {
      const start = micro * o.microBatchSize;
      const end = start + o.microBatchSize;
      const b = sliceBatch(buffer.batch, start, end);
      const logps = completionLogps(policy, b);
      const out = grpoLoss(
        {
          perTokenLogps: logps,
          ...(buffer.oldLogps === null ? {} : { oldPerTokenLogps: buffer.oldLogps.slice(0, start, end) }),
          ...(buffer.refLogps === null ? {} : { refPerTokenLogps: buffer.refLogps.slice(0, start, end) }),
          advantages: buffer.advantages.slice(0, start, end),
          completionMask: buffer.lossMask.slice(0, start, end),
          ...(buffer.samplingRatio === null ? {} : { samplingRatio: buffer.samplingRatio.slice(0, start, end) }),
        },
        {
          beta: o.beta,
          epsilonLow: o.epsilon,
          ...(o.epsilonHigh == null ? {} : { epsilonHigh: o.epsilonHigh }),
          lossType: o.lossType,
          maxCompletionLength: o.generation.maxNewTokens,
          numItemsInBatch: Math.max(1, buffer.numItems),
          importanceSamplingLevel: o.importanceSamplingLevel,
        },
      );
      // dapo already divides by the tokens of the whole step; the others are micro-batch means.
      const loss = o.lossType === 'dapo' ? out.loss : out.loss.div(o.gradientAccumulationSteps);
      return { loss, metrics: { kl: out.metrics.kl.item(), clip_ratio: out.metrics.clipRatio.item() } };
    },
  };
}
