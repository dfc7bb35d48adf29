/**
 * Multi-turn episodes: the policy writes a turn, the environment answers (tool results), the
 * policy writes the next turn, until the environment says done, the turn limit, or the token
 * budget. Every episode is one token sequence after its prompt, with a loss mask of 1 on the
 * tokens the model sampled (its end-of-turn token included) and 0 on everything the
 * environment inserted (tool messages and the template's scaffolding around them), so a
 * trainer learns from its own actions only. Turns of all live episodes are generated together.
 *
 * ```ts
 * const rows = await runEpisodes(policy, tokenizer, [{ ids, prompt: '12*34=', reference: '408' }], calculatorEnvironment(),
 *   { maxNewTokens: 64, padTokenId: 1, doSample: true, seed: 1 }, { maxTurns: 3, maxEpisodeTokens: 256 });
 * rows[0].lossMask;   // 1 1 1 … 0 0 0 … 1 1
 * ```
 */
import { generate, type GenerationConfig } from '../generation/index.js';
import type { CausalLm } from '../models/index.js';
import { noGrad, tidy } from '../tensor/index.js';
import type { TextTokenizer } from '../tokenizers/index.js';
import { environmentSuffixIds } from './render.js';
import type { Environment, EnvironmentFactory } from './types.js';

export interface EpisodeLimits {
  /** Assistant turns at most (TRL's max_tool_calling_iterations + 1). */
  maxTurns: number;
  /** Tokens after the prompt at most, the model's and the environment's together (TRL's max_completion_length). */
  maxEpisodeTokens: number;
}

/** One episode to run: the prompt's ids and what the environment starts from. */
export interface EpisodePrompt {
  ids: readonly number[];
  /** The prompt's text; default: the ids decoded without special tokens. */
  prompt?: string;
  reference?: string;
}

export interface Episode {
  promptIds: number[];
  /** Every token after the prompt: the model's turns and the environment's insertions. */
  completionIds: number[];
  /** Per completion token: 1 when the model sampled it, 0 when the environment inserted it. */
  lossMask: number[];
  /** Per completion token: the model's log-prob of its sampled tokens (raw logits), 0 on inserted ones. */
  logps: number[];
  /** The last assistant turn's tokens (the final answer, when the episode got there). */
  finalTurnIds: number[];
  /** Sum of the environment's rewards. */
  reward: number;
  /** A turn ran out of tokens (generation.max_new_tokens or the episode budget) before its end-of-turn token. */
  truncated: boolean;
  /** The episode reached limits.maxTurns while the environment would have gone on. */
  turnLimit: boolean;
  turns: number;
  toolCalls: number;
  toolErrors: number;
}

type Generation = Partial<GenerationConfig> & { maxNewTokens: number; padTokenId: number };

interface Live {
  env: Environment;
  episode: Episode;
  done: boolean;
  /** The last turn as text, its end-of-turn token removed. */
  text: string;
}

/** Sampling-stream offset of turn t (turn 0 samples exactly as a single-turn rollout with the same seed would). */
const TURN_SEED_STRIDE = 1_000_003;

/**
 * Runs one episode per prompt (`numReturnSequences` copies of each, adjacent, as a GRPO group).
 * Model work runs inside `inPrecision` (one synchronous generate per turn).
 */
export async function runEpisodes(
  policy: CausalLm,
  tokenizer: TextTokenizer,
  prompts: readonly EpisodePrompt[],
  factory: EnvironmentFactory,
  generation: Generation,
  limits: EpisodeLimits,
  inPrecision: <T>(fn: () => T) => T = (fn) => fn(),
  options: { maxBatchSize?: number } = {},
): Promise<Episode[]> {
  if (!Number.isInteger(limits.maxTurns) || limits.maxTurns < 1) throw new RangeError(`runEpisodes: maxTurns must be an integer >= 1, got ${limits.maxTurns}`);
  if (!Number.isInteger(limits.maxEpisodeTokens) || limits.maxEpisodeTokens < 1) throw new RangeError(`runEpisodes: maxEpisodeTokens must be an integer >= 1, got ${limits.maxEpisodeTokens}`);
  const G = generation.numReturnSequences ?? 1;
  const rows = prompts.flatMap((p) => Array.from({ length: G }, () => p));
  const live: Live[] = [];
  for (const p of rows) {
    const env = factory.create();
    await env.reset({ prompt: p.prompt ?? tokenizer.decode(p.ids, { skipSpecialTokens: true }), promptIds: p.ids, ...(p.reference === undefined ? {} : { reference: p.reference }) });
    live.push({ env, done: false, text: '', episode: { promptIds: [...p.ids], completionIds: [], lossMask: [], logps: [], finalTurnIds: [], reward: 0, truncated: false, turnLimit: false, turns: 0, toolCalls: 0, toolErrors: 0 } });
  }
  const wasTraining = (policy as { training?: boolean }).training;
  (policy as { eval?: () => void }).eval?.();
  try {
    for (let turn = 0; turn < limits.maxTurns; turn++) {
      const active = live.filter((l) => !l.done);
      if (active.length === 0) break;
      const budgets = active.map((l) => Math.min(generation.maxNewTokens, limits.maxEpisodeTokens - l.episode.completionIds.length));
      const config: Generation = {
        ...generation,
        numReturnSequences: 1,
        maxNewTokens: Math.max(...budgets),
        ...(generation.seed === undefined ? {} : { seed: generation.seed + turn * TURN_SEED_STRIDE }),
      };
      const contexts = active.map((l) => [...l.episode.promptIds, ...l.episode.completionIds]);
      // generation.max_batch_size: a turn's rows decoded at most this many at a time.
      const chunk = options.maxBatchSize ?? contexts.length;
      const results = [];
      for (let start = 0; start < contexts.length; start += chunk) {
        const part = contexts.slice(start, start + chunk);
        results.push(...inPrecision(() => tidy(() => noGrad(() => generate(policy, part, config.seed === undefined ? config : { ...config, seed: config.seed + start })))));
      }
      for (const [i, l] of active.entries()) {
        const r = results[i] as (typeof results)[number];
        const budget = budgets[i] as number;
        const ids = r.tokenIds.slice(0, budget);
        const ended = r.finishReason !== 'length' && r.tokenIds.length <= budget;
        const e = l.episode;
        e.completionIds.push(...ids);
        e.lossMask.push(...ids.map(() => 1));
        e.logps.push(...r.modelLogprobs.slice(0, budget));
        e.finalTurnIds = ids;
        e.turns += 1;
        l.text = tokenizer.decode(r.finishReason === 'eos' ? ids.slice(0, -1) : ids, { skipSpecialTokens: false });
        if (!ended) {
          e.truncated = true;
          l.done = true;
        }
      }
      for (const l of active) {
        if (l.done) continue;
        const e = l.episode;
        const step = await l.env.step(l.text);
        e.reward += step.reward;
        e.toolCalls += step.toolCalls ?? 0;
        e.toolErrors += step.toolErrors ?? 0;
        if (step.done) {
          l.done = true;
        } else if (turn + 1 === limits.maxTurns) {
          e.turnLimit = true;
          l.done = true;
        } else {
          const inserted = environmentSuffixIds(tokenizer, step.messages);
          // The next turn needs at least one token of budget after the environment's messages.
          if (e.completionIds.length + inserted.length >= limits.maxEpisodeTokens) {
            e.truncated = true;
            l.done = true;
          } else {
            e.completionIds.push(...inserted);
            e.lossMask.push(...inserted.map(() => 0));
            e.logps.push(...inserted.map(() => 0));
          }
        }
      }
    }
  } finally {
    if (wasTraining) (policy as { train?: () => void }).train?.();
  }
  return live.map((l) => l.episode);
}
