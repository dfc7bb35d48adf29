/**
 * Preference pairs to ids exactly as TRL's DPOTrainer. Conversational: prompt_ids =
 * template(prompt, addGenerationPrompt), chosen_ids = template(prompt + chosen)[len(prompt_ids):],
 * the same for rejected. Plain strings (TRL "standard"): prompt_ids = encode(prompt), chosen_ids =
 * encode(prompt + chosen + eos)[len(prompt_ids):]. RewardTrainer's sequences are prompt + chosen.
 */
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { PreferenceRecord } from '../records.js';
import { asMessages, renderPromptCompletion } from './chat.js';
import { encodePromptCompletion, isConversational, usesChatTemplate } from './plain-text.js';
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
  const conversational = isConversational(record.prompt) || isConversational(record.chosen) || isConversational(record.rejected);
  let prompt: number[];
  let chosen: number[];
  let rejected: number[];
  if (usesChatTemplate(options.chatTemplate, conversational)) {
    const promptMessages = asMessages(record.prompt, 'user');
    const c = renderPromptCompletion(tokenizer, promptMessages, asMessages(record.chosen, 'assistant'));
    const r = renderPromptCompletion(tokenizer, promptMessages, asMessages(record.rejected, 'assistant'));
    [prompt, chosen, rejected] = [c.prompt, c.completion, r.completion];
  } else {
    const c = encodePromptCompletion(tokenizer, record.prompt as string, record.chosen as string);
    const r = encodePromptCompletion(tokenizer, record.prompt as string, record.rejected as string);
    [prompt, chosen, rejected] = [c.prompt, c.completion, r.completion];
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
