/**
 * Rollouts of whole episodes (environment.name / module): the drop-in replacement for
 * sampleRollout when a run has an environment. The completion is everything after the prompt —
 * the model's turns and the environment's tool messages — with the batch's completion mask (the
 * loss mask) 1 on the model's tokens only; log-probs, KL and values are computed over the whole
 * sequence and counted on those tokens.
 *
 * ```ts
 * const rollout = await sampleOnline(policy, prompts, { maxNewTokens: 64, padTokenId: 1, seed: 1 }, (fn) => fn(), episodes);
 * ```
 */
import { runEpisodes, type EnvironmentFactory, type EpisodeLimits } from '../../environments/index.js';
import type { GenerationConfig } from '../../generation/index.js';
import type { CausalLm } from '../../models/index.js';
import type { TextTokenizer } from '../../tokenizers/index.js';
import { buildBatch, sampleRollout, type Rollout, type RolloutOptions } from './rollout.js';
import type { InPrecision, OnlinePrompt } from './types.js';
import type { RolloutWorld } from './world.js';

/** What a run with an environment rolls out with. */
export interface EpisodeSource {
  factory: EnvironmentFactory;
  tokenizer: TextTokenizer;
  limits: EpisodeLimits;
}

/** Episodes when `episodes` is set, else single completions (sampleRollout). */
export async function sampleOnline(
  policy: CausalLm,
  prompts: readonly OnlinePrompt[],
  config: Partial<GenerationConfig> & { maxNewTokens: number; padTokenId: number },
  inPrecision: InPrecision,
  episodes: EpisodeSource | null,
  options: RolloutOptions = {},
): Promise<Rollout> {
  if (episodes === null) return inPrecision(() => sampleRollout(policy, prompts.map((p) => p.ids), config, options));
  const rows = await runEpisodes(policy, episodes.tokenizer, prompts, episodes.factory, config, episodes.limits, inPrecision, options);
  return {
    batch: buildBatch(rows.map((r) => r.promptIds), rows.map((r) => r.completionIds), rows.map((r) => r.logps), config.padTokenId, rows.map((r) => r.lossMask)),
    prompts: rows.map((r) => r.promptIds),
    completions: rows.map((r) => r.completionIds),
    truncated: rows.map((r) => r.truncated),
    lossMasks: rows.map((r) => r.lossMask),
    answers: rows.map((r) => r.finalTurnIds),
    environmentRewards: rows.map((r) => r.reward),
    episodes: rows.map((r) => ({ turns: r.turns, toolCalls: r.toolCalls, toolErrors: r.toolErrors, turnLimit: r.turnLimit })),
  };
}

/** Per row, the tokens the policy wrote (TRL counts these as the completion length of a tool episode). */
export function modelTokenCounts(rollout: Rollout): number[] {
  return rollout.lossMasks?.map((m) => m.reduce((a, b) => a + b, 0)) ?? rollout.completions.map((c) => c.length);
}

/** Per row, one past the last token the policy wrote: where a sequence reward lands (its EOS). */
export function scoredLengths(rollout: Rollout): number[] {
  return rollout.lossMasks?.map((m) => m.lastIndexOf(1) + 1) ?? rollout.completions.map((c) => c.length);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * An episode rollout's metrics over every rank's rows (none for single completions): TRL's
 * tools/call_frequency (calls per episode) and tools/failure_frequency (failed calls per call),
 * plus errors per episode, turns, episode length (model and environment tokens) and the share
 * that hit the turn limit.
 */
export function episodeMetrics(rollout: Rollout, world: RolloutWorld): Record<string, number> {
  const stats = rollout.episodes;
  if (stats === undefined) return {};
  const calls = world.gather(stats.map((s) => s.toolCalls));
  const errors = world.gather(stats.map((s) => s.toolErrors));
  const totalCalls = calls.reduce((a, b) => a + b, 0);
  return {
    'tools/call_frequency': mean(calls),
    'tools/failure_frequency': totalCalls > 0 ? errors.reduce((a, b) => a + b, 0) / totalCalls : 0,
    'tools/errors_per_episode': mean(errors),
    'episodes/mean_turns': mean(world.gather(stats.map((s) => s.turns))),
    'episodes/mean_length': mean(world.gather(rollout.completions.map((c) => c.length))),
    'episodes/turn_limit_ratio': mean(world.gather(stats.map((s) => Number(s.turnLimit)))),
  };
}
