/**
 * Unpaired preference records to ids exactly as TRL's KTOTrainer (the DPO rule with one
 * completion). Conversational: prompt_ids = template(prompt, addGenerationPrompt), completion_ids =
 * template(prompt + completion)[len(prompt_ids):]. Plain strings: prompt_ids = encode(prompt),
 * completion_ids = encode(prompt + completion + eos)[len(prompt_ids):]. And KTO's mismatched
 * (prompt, completion) pairs for its KL estimate.
 */
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { UnpairedPreferenceRecord } from '../records.js';
import { asMessages, renderPromptCompletion } from './chat.js';
import { encodePromptCompletion, isConversational, usesChatTemplate } from './plain-text.js';
import { truncatePair, validateLimits } from './truncate.js';
import type { TokenizeOptions, UnpairedPreferenceExample } from './types.js';

/**
 * `maxPromptLength` keeps the prompt's end, `maxLength` then cuts the completion's end.
 *
 * ```ts
 * const ex = tokenizeUnpairedPreference(tok, { kind: 'unpaired_preference', prompt: 'Q?', completion: 'A', label: true });
 * ```
 */
export function tokenizeUnpairedPreference(tokenizer: TextTokenizer, record: UnpairedPreferenceRecord, options: TokenizeOptions = {}): UnpairedPreferenceExample {
  validateLimits(options);
  const conversational = isConversational(record.prompt) || isConversational(record.completion);
  const ids = usesChatTemplate(options.chatTemplate, conversational)
    ? renderPromptCompletion(tokenizer, asMessages(record.prompt, 'user'), asMessages(record.completion, 'assistant'))
    : encodePromptCompletion(tokenizer, record.prompt as string, record.completion as string);
  const t = truncatePair(ids.prompt, ids.completion, options);
  return { promptIds: t.prompt, completionIds: t.completion, label: record.label, truncated: t.truncated };
}

/**
 * KTO's KL pairs (TRL's KL_completion_ids): example i's prompt with example i − 1's completion,
 * cyclically within the batch — (x_1, y_n), (x_2, y_1), ..., (x_n, y_{n−1}) — so the mismatched
 * completions are the batch's own, paired with other prompts. Each sequence is cut to `maxLength`
 * as TRL's collator cuts it.
 *
 * ```ts
 * mismatchedCompletions([{ promptIds: [1], completionIds: [2] }, { promptIds: [3], completionIds: [4] }]);
 * // [[[1], [4]], [[3], [2]]]
 * ```
 */
export function mismatchedCompletions(examples: readonly Pick<UnpairedPreferenceExample, 'promptIds' | 'completionIds'>[], maxLength?: number): [number[], number[]][] {
  const n = examples.length;
  return examples.map((e, i) => {
    const other = (examples[(i + n - 1) % n] as UnpairedPreferenceExample).completionIds;
    const room = maxLength === undefined ? other.length : Math.max(0, maxLength - e.promptIds.length);
    return [e.promptIds, other.slice(0, room)];
  });
}
