/**
 * Preference pairs to ids exactly as TRL's DPOTrainer: prompt_ids = template(prompt,
 * addGenerationPrompt), chosen_ids = template(prompt + chosen)[len(prompt_ids):], and the same
 * for rejected. Plain strings without the template: encode(prompt), encode(chosen) + eos.
 */
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { PreferenceRecord } from '../records.js';
import { asMessages, renderPromptCompletion, requireEos } from './chat.js';
import { truncatePair, validateLimits } from './truncate.js';
import type { PreferenceExample, TokenizeOptions } from './types.js';

/**
 * `maxPromptLength` keeps the prompt's end, `maxCompletionLength` each completion's start;
 * `maxLength` then applies to prompt + the longer completion.
 *
 * ```ts
 * const ex = tokenizePreference(tok, { kind: 'preference', prompt: 'Q?', chosen: 'A', rejected: 'B' });
 * ```
 */
export function tokenizePreference(tokenizer: TextTokenizer, record: PreferenceRecord, options: TokenizeOptions = {}): PreferenceExample {
  validateLimits(options);
  const conversational = typeof record.prompt !== 'string' || typeof record.chosen !== 'string' || typeof record.rejected !== 'string';
  let prompt: number[];
  let chosen: number[];
  let rejected: number[];
  if (conversational || (options.useChatTemplate ?? true)) {
    const promptMessages = asMessages(record.prompt, 'user');
    const c = renderPromptCompletion(tokenizer, promptMessages, asMessages(record.chosen, 'assistant'));
    const r = renderPromptCompletion(tokenizer, promptMessages, asMessages(record.rejected, 'assistant'));
    [prompt, chosen, rejected] = [c.prompt, c.completion, r.completion];
  } else {
    const eos = requireEos(tokenizer);
    prompt = tokenizer.encode(record.prompt as string);
    chosen = [...tokenizer.encode(record.chosen as string, { addSpecialTokens: false }), eos];
    rejected = [...tokenizer.encode(record.rejected as string, { addSpecialTokens: false }), eos];
  }
  const longest = Math.max(chosen.length, rejected.length);
  const c = truncatePair(prompt, chosen, options, longest);
  const r = truncatePair(prompt, rejected, options, longest);
  const example: PreferenceExample = {
    promptIds: c.prompt,
    chosenIds: c.completion,
    rejectedIds: r.completion,
    truncated: c.truncated || r.truncated,
  };
  if (record.margin !== undefined) example.margin = record.margin;
  return example;
}
