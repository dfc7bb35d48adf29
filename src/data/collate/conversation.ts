/**
 * Conversations with loss on the assistant turns only. The template is a black box (Jinja),
 * so the assistant spans are found by rendering prefixes of the conversation and diffing
 * token prefixes: turn i's span runs from the end of template(messages[..i], generation
 * prompt) to the end of template(messages[..i+1]). That is only sound when every prefix
 * renders as a token prefix of the whole conversation, which is checked.
 */
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { ConversationRecord } from '../records.js';
import { isTokenPrefix, PrefixStabilityError } from './chat.js';
import { maskedLabels } from './example.js';
import { usesChatTemplate } from './plain-text.js';
import { validateLimits } from './truncate.js';
import type { TokenizedExample, TokenizeOptions } from './types.js';

/** Options for conversations: `assistantRole` names the turns that get loss. */
export interface ConversationOptions extends TokenizeOptions {
  /** Role whose turns are trained on. Default 'assistant'. */
  assistantRole?: string;
}

/**
 * Masks exactly each assistant turn's content and its end-of-turn tokens. `maxLength` keeps
 * the start ('keep_start', default) or the end ('keep_end'). Throws `PrefixStabilityError`
 * when the template rewrites earlier turns.
 *
 * ```ts
 * const ex = tokenizeConversation(tok, { kind: 'conversation', messages });
 * ```
 */
export function tokenizeConversation(tokenizer: TextTokenizer, record: ConversationRecord, options: ConversationOptions = {}): TokenizedExample {
  validateLimits(options);
  usesChatTemplate(options.chatTemplate, true); // a conversation under 'never' is refused
  const role = options.assistantRole ?? 'assistant';
  const messages = record.messages;
  if (!messages.some((m) => m.role === role)) throw new Error(`the conversation has no '${role}' turn to train on`);
  const full = tokenizer.applyChatTemplate(messages, { tokenize: true });
  const mask = full.map(() => 0);
  let promptLength = -1;
  messages.forEach((message, i) => {
    if (message.role !== role) return;
    const before = tokenizer.applyChatTemplate(messages.slice(0, i), { addGenerationPrompt: true, tokenize: true });
    const after = tokenizer.applyChatTemplate(messages.slice(0, i + 1), { tokenize: true });
    if (!isTokenPrefix(before, full)) throw new PrefixStabilityError(`the conversation up to turn ${i} with generation prompt`, before, full);
    if (!isTokenPrefix(after, full)) throw new PrefixStabilityError(`the conversation through turn ${i}`, after, full);
    for (let t = before.length; t < after.length; t++) mask[t] = 1;
    if (promptLength < 0) promptLength = before.length;
  });
  let inputIds = full;
  let completionMask = mask;
  let truncated = false;
  const max = options.maxLength;
  if (max !== undefined && full.length > max) {
    truncated = true;
    const keepEnd = options.truncationMode === 'keep_end';
    inputIds = keepEnd ? full.slice(full.length - max) : full.slice(0, max);
    completionMask = keepEnd ? mask.slice(mask.length - max) : mask.slice(0, max);
    promptLength = keepEnd ? Math.max(0, promptLength - (full.length - max)) : Math.min(promptLength, max);
  }
  return { inputIds, completionMask, labels: maskedLabels(inputIds, completionMask), promptLength, truncated };
}
