/**
 * generate() settings from a run config's `generation:` section: one reading of it for critic
 * students, online RL rollouts and `rlhf eval`.
 *
 * ```ts
 * const settings = generationOf(config, tokenizer, policy); // { maxNewTokens, doSample, temperature, topK, topP, padTokenId, eosTokenId }
 * ```
 */
import type { GenerationConfig as GenerationSection, RunConfig } from '../config/index.js';
import type { PretrainedCausalLm } from '../models/index.js';
import type { TextTokenizer } from '../tokenizers/index.js';
import { padIdOf } from '../data/collate/pad.js';

/** The generation settings of a `generation:` section (temperature 0 or do_sample false = greedy). */
export function generationSettings(g: GenerationSection, seed: number) {
  const sample = g.do_sample && g.temperature > 0;
  return { maxNewTokens: g.max_new_tokens, doSample: sample, temperature: sample ? g.temperature : 1, topK: g.top_k, topP: g.top_p, seed };
}

/**
 * generate() settings from `generation:` with the tokenizer's pad and EOS ids (the policy's
 * config EOS when the tokenizer has none), without a seed: each caller passes its own.
 */
export function generationOf(config: RunConfig, tokenizer: Pick<TextTokenizer, 'padTokenId' | 'eosTokenId'>, policy: PretrainedCausalLm) {
  const { seed: _seed, ...settings } = generationSettings(config.generation, 0);
  const eos = tokenizer.eosTokenId ?? policy.config.eosTokenId;
  return { ...settings, padTokenId: padIdOf(tokenizer), ...(eos === undefined || eos === null ? {} : { eosTokenId: eos }) };
}
