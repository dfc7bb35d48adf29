/**
 * REINFORCE++ (Hu et al. 2025) with OpenRLHF's semantics (advantage_estimator reinforce,
 * reinforce_baseline, rloo): n samples per prompt, the reward on the last action token and a
 * per-token −β·KL to the reference, cumulative returns as advantages whitened over the whole
 * step (every rank), and PPO's clipped token-level surrogate without a critic, max_epochs
 * optimizer steps per rollout.
 */
import type { PretrainedCausalLm } from '../../models/index.js';
import { klEstimate, maskedMean, ppoPolicyLoss, reinforceAdvantages, type KlEstimator, type ReinforceAdvantageEstimator } from '../../rl/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { sampleAndScoreGroups, type GroupRolloutOptions } from './group-rollout.js';
import { completionLogps, sliceBatch, type RolloutBatch } from './rollout.js';
import { samplingCorrection, type SamplingCorrectionSettings } from './sampling-correction.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';

export interface ReinforcePpAlgorithmOptions extends OnlineRunSettings, GroupRolloutOptions {
  advantageEstimator: ReinforceAdvantageEstimator;
  nSamplesPerPrompt: number;
  initKlCoef: number;
  klEstimator: KlEstimator;
  gamma: number;
  epsClip: number;
  maxEpochs: number;
  noAdvantageStdNorm: boolean;
  rewardClipRange?: readonly [number, number] | null;
  samplingCorrection?: SamplingCorrectionSettings | null;
}

export interface ReinforcePpBuffer extends RolloutBuffer {
  batch: RolloutBatch;
  /** (B, C) whitened returns (this rank's rows). */
  advantages: Tensor;
  oldLogps: Tensor;
  samplingRatio: Tensor | null;
}

export function reinforcePpAlgorithm(policy: PretrainedCausalLm, reference: ReferencePolicy, scorer: RolloutScorer, o: ReinforcePpAlgorithmOptions): OnlineAlgorithm<ReinforcePpBuffer> {
  const n = o.nSamplesPerPrompt;
  const completionsPerStep = o.microBatchSize * o.gradientAccumulationSteps;
  if (completionsPerStep % n !== 0) throw new Error(`reinforce_pp: ${completionsPerStep} completions per step are not whole groups of ${n}`);
  if (o.initKlCoef > 0 && (reference === null || reference === 'precomputed')) throw new Error(`reinforce_pp: init_kl_coef (${o.initKlCoef}) > 0 needs a reference model to run on each rollout, got ${String(reference)}`);
  freezeReference(reference);
  const correction = o.samplingCorrection ?? null;
  return {
    name: 'reinforce_pp',
    policy,
    promptsPerIteration: completionsPerStep / n,
    updatesPerIteration: o.maxEpochs,
    microBatchesPerUpdate: o.gradientAccumulationSteps,
    async collect(prompts: readonly OnlinePrompt[], iteration: number, inPrecision, world): Promise<ReinforcePpBuffer> {
      const { rollout, allRewards, mine, metrics } = await sampleAndScoreGroups(policy, scorer, prompts, n, iteration, inPrecision, world, o);
      const globalMean = (x: number) => (world.sum([x])[0] as number) / world.worldSize;
      return tidy(() => inPrecision(() => {
        const b = rollout.batch;
        const mask = b.completionMask;
        const oldLogps = noGrad(() => completionLogps(policy, b));
        const perTokenKl = o.initKlCoef > 0
          ? klEstimate(oldLogps, withReference(reference, policy, (ref) => completionLogps(ref, b)), o.klEstimator).mul(mask)
          : oldLogps.mul(0);
        // A group never spans ranks, so the baselines are local; the whitening spans every rank.
        const { advantages, tokenRewards } = reinforceAdvantages(
          { rewards: tensor(allRewards.slice(mine.start, mine.end), { dtype: 'float32' }), perTokenKl, mask },
          {
            estimator: o.advantageEstimator, numSamplesPerPrompt: n, klCoef: o.initKlCoef, gamma: o.gamma,
            stdNormalize: !o.noAdvantageStdNorm, rewardClipRange: o.rewardClipRange ?? null,
            ...(world.worldSize > 1 ? { sumAcross: (s: number[]) => world.sum(s) } : {}),
          },
        );
        // OpenRLHF's logged kl and return: the per-sequence masked mean KL, and the sum of each sequence's token rewards.
        metrics['kl'] = globalMean(maskedMean(perTokenKl, mask, { dim: 1 }).mean().item());
        metrics['return'] = globalMean(tokenRewards.sum({ dim: 1 }).mean().item());
        const corrected = correction === null ? null : samplingCorrection(oldLogps, b.generationLogps, mask, correction, world);
        if (corrected !== null) Object.assign(metrics, corrected.metrics);
        return { batch: b, advantages, oldLogps, samplingRatio: corrected?.ratio ?? null, metrics };
      }));
    },
    loss(buffer, _update, micro) {
      const start = micro * o.microBatchSize;
      const end = start + o.microBatchSize;
      const b = sliceBatch(buffer.batch, start, end);
      const logps = completionLogps(policy, b);
      const pg = ppoPolicyLoss(
        {
          logps,
          oldLogps: buffer.oldLogps.slice(0, start, end),
          advantages: buffer.advantages.slice(0, start, end),
          mask: b.completionMask,
          ...(buffer.samplingRatio === null ? {} : { samplingRatio: buffer.samplingRatio.slice(0, start, end) }),
        },
        { clipRange: o.epsClip },
      );
      const item = (t: Tensor) => t.detach().item();
      return {
        loss: pg.loss.div(o.gradientAccumulationSteps),
        metrics: { policy_loss: item(pg.loss), clip_ratio: item(pg.metrics.clipFrac), 'policy/approxkl': item(pg.metrics.approxKl) },
      };
    },
  };
}
