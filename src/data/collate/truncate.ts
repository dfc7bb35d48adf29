/**
 * Truncation of a prompt + completion pair, as TRL does it: the prompt loses its start (the
 * end holds the question and the generation prompt), the completion loses its end.
 */
import type { TokenizeOptions } from './types.js';

/** A prompt and a completion after truncation. */
export interface TruncatedPair {
  prompt: number[];
  completion: number[];
  truncated: boolean;
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/** Throws on a non-positive or fractional limit, quoting it. */
export function validateLimits(options: TokenizeOptions): void {
  checkLimit('maxLength', options.maxLength);
  checkLimit('maxPromptLength', options.maxPromptLength);
  checkLimit('maxCompletionLength', options.maxCompletionLength);
}

/** Cuts the prompt to its last `maxPromptLength` tokens. */
export function truncatePrompt(prompt: readonly number[], maxPromptLength: number | undefined): { ids: number[]; truncated: boolean } {
  if (maxPromptLength === undefined || prompt.length <= maxPromptLength) return { ids: [...prompt], truncated: false };
  return { ids: prompt.slice(prompt.length - maxPromptLength), truncated: true };
}

/**
 * Applies `maxPromptLength`, `maxCompletionLength`, then `maxLength` with `truncationMode`.
 * `completionLength` lets several completions share one prompt (preference pairs): the
 * prompt is cut for the longest of them under 'keep_end'.
 *
 * ```ts
 * truncatePair([1, 2, 3], [4, 5], { maxLength: 4 }); // { prompt: [1,2,3], completion: [4], truncated: true }
 * ```
 */
export function truncatePair(
  prompt: readonly number[],
  completion: readonly number[],
  options: TokenizeOptions,
  completionLength: number = completion.length,
): TruncatedPair {
  const p = truncatePrompt(prompt, options.maxPromptLength);
  let promptIds = p.ids;
  let truncated = p.truncated;
  let completionIds = [...completion];
  let longest = completionLength;
  const maxCompletion = options.maxCompletionLength;
  if (maxCompletion !== undefined) {
    if (completionIds.length > maxCompletion) {
      completionIds = completionIds.slice(0, maxCompletion);
      truncated = true;
    }
    longest = Math.min(longest, maxCompletion);
  }
  const maxLength = options.maxLength;
  if (maxLength !== undefined) {
    if ((options.truncationMode ?? 'keep_start') === 'keep_end' && promptIds.length + longest > maxLength) {
      // Drop the prompt's start first; only a completion longer than maxLength alone loses its end.
      const keep = Math.max(0, maxLength - longest);
      if (keep < promptIds.length) {
        promptIds = promptIds.slice(promptIds.length - keep);
        truncated = true;
      }
    }
    const room = Math.max(0, maxLength - promptIds.length);
    if (completionIds.length > room) {
      completionIds = completionIds.slice(0, room);
      truncated = true;
    }
  }
  return { prompt: promptIds, completion: completionIds, truncated };
}
