/**
 * Chat-template helpers: render prompt and prompt + completion, and take the completion as
 * the token suffix, exactly as TRL does (`completion_ids = full_ids[len(prompt_ids):]`).
 */
import type { ChatMessage, TextTokenizer } from '../../tokenizers/index.js';

/** Raised when a chat template renders a conversation's prefix differently from the conversation's start. */
export class PrefixStabilityError extends Error {
  constructor(what: string, prefix: readonly number[], full: readonly number[]) {
    const at = firstDifference(prefix, full);
    super(
      `the chat template is not prefix-stable: ${what} (${prefix.length} tokens) is not a prefix of the full rendering ` +
        `(${full.length} tokens); they differ at token ${at}. Templates that rewrite earlier turns (e.g. dropping ` +
        `<think> blocks) cannot be masked by prefix diffing; pre-render the text or use a prompt/completion record.`,
    );
    this.name = 'PrefixStabilityError';
  }
}

function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** True when `prefix` is a token prefix of `full`. */
export function isTokenPrefix(prefix: readonly number[], full: readonly number[]): boolean {
  return prefix.length <= full.length && firstDifference(prefix, full) === prefix.length;
}

/** A plain string becomes one message of `role`; a conversation is used as is. */
export function asMessages(value: string | readonly ChatMessage[], role: string): ChatMessage[] {
  return typeof value === 'string' ? [{ role, content: value }] : [...value];
}

/**
 * prompt ids = template(prompt, addGenerationPrompt) and completion ids = the rest of
 * template(prompt + completion). Throws `PrefixStabilityError` when the first is not a prefix
 * of the second.
 */
export function renderPromptCompletion(
  tokenizer: TextTokenizer,
  prompt: readonly ChatMessage[],
  completion: readonly ChatMessage[],
): { prompt: number[]; completion: number[] } {
  const promptIds = tokenizer.applyChatTemplate(prompt, { addGenerationPrompt: true, tokenize: true });
  const fullIds = tokenizer.applyChatTemplate([...prompt, ...completion], { tokenize: true });
  if (!isTokenPrefix(promptIds, fullIds)) throw new PrefixStabilityError('the prompt with generation prompt', promptIds, fullIds);
  return { prompt: promptIds, completion: fullIds.slice(promptIds.length) };
}
