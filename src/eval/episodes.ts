/**
 * Generation evaluation over episodes, for runs with an `environment:` section: each prompt is
 * played out with the environment (greedy unless the settings sample), the final assistant turn
 * is the output the generation metrics (exact match, …) read, and tool use is measured.
 *
 * ```ts
 * const rows = await generateEpisodeRows(model, tokenizer, prompts, settings, calculatorEnvironment(), { maxTurns: 3, maxEpisodeTokens: 192 }, 100);
 * episodeGenerationMetrics(rows);   // { 'generation/tool_calls': 0.9, 'generation/tool_call_rate': 0.85, … }
 * ```
 */
import { runEpisodes, type EnvironmentFactory, type EpisodeLimits } from '../environments/index.js';
import type { GenerationConfig } from '../generation/index.js';
import type { PretrainedCausalLm } from '../models/index.js';
import type { Tokenizer } from '../tokenizers/index.js';
import type { EvalPrompt } from './eval-data.js';
import type { BatchProgress, GenerationRow, Metrics } from './tasks.js';

/** Episodes of every prompt, in batches, as generation rows (the final turn as output, the whole episode beside it). */
export async function generateEpisodeRows(
  model: PretrainedCausalLm,
  tokenizer: Tokenizer,
  prompts: readonly EvalPrompt[],
  settings: Partial<GenerationConfig> & { maxNewTokens: number; padTokenId: number },
  factory: EnvironmentFactory,
  limits: EpisodeLimits,
  batchSize: number,
  onBatch?: BatchProgress,
): Promise<GenerationRow[]> {
  const rows: GenerationRow[] = [];
  for (let i = 0; i < prompts.length; i += batchSize) {
    const chunk = prompts.slice(i, i + batchSize);
    const seed = settings.seed === undefined ? {} : { seed: settings.seed + i };
    const episodes = await runEpisodes(model, tokenizer, chunk.map((p) => ({ ids: p.ids, prompt: p.text, ...(p.reference === null ? {} : { reference: p.reference }) })), factory, { ...settings, ...seed }, limits);
    episodes.forEach((e, j) => {
      const p = chunk[j] as EvalPrompt;
      rows.push({
        prompt: p.text,
        reference: p.reference,
        output: tokenizer.decode(e.finalTurnIds, { skipSpecialTokens: true }).trim(),
        numTokens: e.lossMask.reduce((a, b) => a + b, 0),
        finishReason: e.truncated ? 'length' : e.turnLimit ? 'turn_limit' : 'eos',
        episode: tokenizer.decode(e.completionIds),
        turns: e.turns,
        toolCalls: e.toolCalls,
        toolErrors: e.toolErrors,
        environmentReward: e.reward,
      });
    });
    onBatch?.(Math.min(i + batchSize, prompts.length), prompts.length);
  }
  return rows;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Tool calls per episode, the share of episodes with one, failed calls per episode, turns, and the environment's mean reward. */
export function episodeGenerationMetrics(rows: readonly GenerationRow[]): Metrics {
  const calls = rows.map((r) => r.toolCalls ?? 0);
  return {
    'generation/tool_calls': mean(calls),
    'generation/tool_call_rate': mean(calls.map((c) => (c > 0 ? 1 : 0))),
    'generation/tool_errors': mean(rows.map((r) => r.toolErrors ?? 0)),
    'generation/turns': mean(rows.map((r) => r.turns ?? 1)),
    'generation/environment_reward': mean(rows.map((r) => r.environmentReward ?? 0)),
  };
}
