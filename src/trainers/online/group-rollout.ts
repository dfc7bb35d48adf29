/**
 * What the group-sampling algorithms (GRPO, RLOO, REINFORCE++) share before their advantages:
 * sample G completions (or episodes) per prompt, score them, gather every rank's rewards (group statistics and
 * logged metrics span the whole step) and log TRL's rollout metrics.
 */
import type { GenerationConfig } from '../../generation/index.js';
import type { CausalLm } from '../../models/index.js';
import { episodeMetrics, modelTokenCounts, sampleOnline, type EpisodeSource } from './episode-rollout.js';
import { rolloutOptions, type Rollout } from './rollout.js';
import type { RolloutScorer } from './scorer.js';
import type { InPrecision, OnlinePrompt, OnlineRunSettings } from './types.js';
import type { RolloutWorld } from './world.js';

/** Samples `numReturnSequences` completions per prompt (rows prompt-major), in place of sampleOnline (tests with fixed completions). */
export type RolloutSampler = (policy: CausalLm, prompts: readonly OnlinePrompt[], config: Partial<GenerationConfig> & { padTokenId: number; numReturnSequences: number; seed: number }) => Rollout;

export interface GroupRolloutOptions extends Pick<OnlineRunSettings, 'generation' | 'rolloutMaxBatchSize' | 'seed'> {
  /** Roll out whole episodes in this environment (loss on the model's tokens only); null: single completions. */
  episodes?: EpisodeSource | null;
  /** Replaces the rollout (tests with fixed completions). */
  sampler?: RolloutSampler;
}

export interface GroupRollout {
  rollout: Rollout;
  /** Every rank's rewards in rank order (N across the step). */
  allRewards: number[];
  /** This rank's rows within allRewards. */
  mine: { start: number; end: number };
  /** reward, reward_std, frac_reward_zero_std, group_reward_variance, completions/*, rewards/<name>/mean|std. */
  metrics: Record<string, number>;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
export const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

/** Per-completion reward statistics by group of G (G = 1: every std is zero). */
function groupStats(rewards: readonly number[], G: number): { fracZeroStd: number; meanGroupVariance: number } {
  let zero = 0;
  let variance = 0;
  const groups = rewards.length / G;
  for (let g = 0; g < rewards.length; g += G) {
    const r = rewards.slice(g, g + G);
    const v = G > 1 ? r.reduce((a, b) => a + (b - mean(r)) ** 2, 0) / (G - 1) : 0;
    if (Math.sqrt(v) < 1e-8) zero += 1;
    variance += v;
  }
  return { fracZeroStd: zero / groups, meanGroupVariance: variance / groups };
}

/** Samples and scores G completions of each of this rank's prompts; every rank's rewards are gathered. */
export async function sampleAndScoreGroups(policy: CausalLm, scorer: RolloutScorer, prompts: readonly OnlinePrompt[], G: number, iteration: number, inPrecision: InPrecision, world: RolloutWorld, o: GroupRolloutOptions): Promise<GroupRollout> {
  // Each prompt is prefilled once and shared by its G completions (rows stay prompt-major).
  // Every rank samples its own prompts with its own stream (one process: seed + iteration).
  const seed = o.seed + iteration * world.worldSize + world.rank;
  const config = { ...o.generation, numReturnSequences: G, seed };
  const rollout = o.sampler === undefined
    ? await sampleOnline(policy, prompts, config, inPrecision, o.episodes ?? null, rolloutOptions(o))
    : inPrecision(() => (o.sampler as RolloutSampler)(policy, prompts, config));
  const repeated = prompts.flatMap((p) => Array.from({ length: G }, () => p));
  const local = await scorer.score(rollout, repeated.map((p) => p.reference));
  const allRewards = world.gather(local.total);
  const perSource = Object.fromEntries(Object.entries(local.perSource).map(([k, v]) => [k, world.gather(v)]));
  const stats = groupStats(allRewards, G);
  const lengths = world.gather(modelTokenCounts(rollout));
  const truncated = world.gather(rollout.truncated.map(Number));
  const metrics: Record<string, number> = {
    reward: mean(allRewards),
    reward_std: std(allRewards),
    frac_reward_zero_std: stats.fracZeroStd,
    group_reward_variance: stats.meanGroupVariance,
    'completions/mean_length': mean(lengths),
    'completions/max_length': Math.max(...lengths),
    'completions/truncated_ratio': mean(truncated),
    ...episodeMetrics(rollout, world),
  };
  for (const [name, values] of Object.entries(perSource)) {
    metrics[`rewards/${name}/mean`] = mean(values);
    metrics[`rewards/${name}/std`] = std(values);
  }
  return { rollout, allRewards, mine: { start: world.rank * local.total.length, end: (world.rank + 1) * local.total.length }, metrics };
}
