/**
 * GRPO (DeepSeekMath; TRL GRPOTrainer semantics): G completions per prompt, group-relative
 * advantages, clipped ratio (token-level, or sequence-level as GSPO) with a k3 KL to the
 * reference, aggregated as grpo / bnpo / dr_grpo / dapo, num_iterations updates per rollout.
 */
import type { GrpoConfig } from '../../config/index.js';
import type { GenerationConfig } from '../../generation/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { groupAdvantages, grpoLoss, type AdvantageType, type GrpoLossType, type ImportanceSamplingLevel, type ScaleRewards } from '../../rl/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { completionLogps, rolloutOptions, sliceBatch, type RolloutBatch } from './rollout.js';
import { episodeMetrics, modelTokenCounts, sampleOnline, type EpisodeSource } from './episode-rollout.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';

export interface GrpoAlgorithmOptions {
  numGenerations: number;
  /** Completions per micro-batch (per_device_train_batch_size). */
  microBatchSize: number;
  /** Micro-batches per optimizer step (gradient_accumulation_steps). */
  gradientAccumulationSteps: number;
  beta: number;
  epsilon: number;
  epsilonHigh?: number | null;
  lossType: GrpoLossType;
  advantageType: AdvantageType;
  scaleRewards: ScaleRewards;
  importanceSamplingLevel: ImportanceSamplingLevel;
  numIterations: number;
  maskTruncatedCompletions: boolean;
  generation: Partial<GenerationConfig> & { maxNewTokens: number; padTokenId: number };
  /** Rows decoded together in a rollout (generation.max_batch_size); null: all of them. */
  rolloutMaxBatchSize?: number | null;
  /** Roll out whole episodes in this environment (loss on the model's tokens only); null: single completions. */
  episodes?: EpisodeSource | null;
  seed: number;
}

export interface GrpoBuffer extends RolloutBuffer {
  batch: RolloutBatch;
  advantages: Tensor;
  /** Loss mask: the completion mask, without truncated completions when masked. */
  lossMask: Tensor;
  oldLogps: Tensor | null;
  refLogps: Tensor | null;
  /** Loss tokens of the whole step (dapo's normaliser). */
  numItems: number;
}

/** Per-completion reward statistics by group. */
function groupStats(rewards: readonly number[], G: number): { fracZeroStd: number; meanGroupVariance: number } {
  let zero = 0;
  let variance = 0;
  const groups = rewards.length / G;
  for (let g = 0; g < rewards.length; g += G) {
    const r = rewards.slice(g, g + G);
    const mean = r.reduce((a, b) => a + b, 0) / G;
    const v = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (G - 1);
    if (Math.sqrt(v) < 1e-8) zero += 1;
    variance += v;
  }
  return { fracZeroStd: zero / groups, meanGroupVariance: variance / groups };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const std = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

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
      // Each prompt is prefilled once and shared by its G completions (rows stay prompt-major).
      // Every rank samples its own prompts with its own stream (one process: seed + iteration).
      const seed = o.seed + iteration * world.worldSize + world.rank;
      const rollout = await sampleOnline(policy, prompts, { ...o.generation, numReturnSequences: G, seed }, inPrecision, o.episodes ?? null, rolloutOptions(o));
      const repeated = prompts.flatMap((p) => Array.from({ length: G }, () => p));
      const local = await scorer.score(rollout, repeated.map((p) => p.reference));
      // Rewards of every rank's rows, in rank order: advantages (batch scaling included) and the
      // logged statistics are those of the whole step; this rank keeps its own rows' advantages.
      const allRewards = world.gather(local.total);
      const mine = { start: world.rank * local.total.length, end: (world.rank + 1) * local.total.length };
      const scores = { total: allRewards, perSource: Object.fromEntries(Object.entries(local.perSource).map(([k, v]) => [k, world.gather(v)])) };
      const stats = groupStats(scores.total, G);
      const lengths = world.gather(modelTokenCounts(rollout));
      const truncated = world.gather(rollout.truncated.map(Number));
      const metrics: Record<string, number> = {
        reward: mean(scores.total),
        reward_std: std(scores.total),
        frac_reward_zero_std: stats.fracZeroStd,
        group_reward_variance: stats.meanGroupVariance,
        'completions/mean_length': mean(lengths),
        'completions/max_length': Math.max(...lengths),
        'completions/truncated_ratio': mean(truncated),
        ...episodeMetrics(rollout, world),
      };
      for (const [name, values] of Object.entries(scores.perSource)) {
        metrics[`rewards/${name}/mean`] = mean(values);
        metrics[`rewards/${name}/std`] = std(values);
      }
      return tidy(() => inPrecision(() => {
        const b = rollout.batch;
        const keepRow = tensor(rollout.truncated.map((t) => (o.maskTruncatedCompletions && t ? 0 : 1)), { dtype: 'float32' }).unsqueeze(1);
        const lossMask = b.completionMask.mul(keepRow);
        // One rollout, several updates: the ratio needs the policy as it generated (TRL computes
        // these only when num_iterations > 1; with one update the detached logps give ratio 1).
        const oldLogps = o.numIterations > 1 ? noGrad(() => completionLogps(policy, b)) : null;
        return {
          batch: b,
          advantages: groupAdvantages(tensor(scores.total, { dtype: 'float32' }), { numGenerations: G, type: o.advantageType, scaleRewards: o.scaleRewards }).slice(0, mine.start, mine.end),
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
