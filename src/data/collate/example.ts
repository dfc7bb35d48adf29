/** Builds a `TokenizedExample` from ids and a loss mask. */
import { IGNORE_INDEX, type TokenizedExample } from './types.js';

/** Labels = ids where the mask is 1, `IGNORE_INDEX` elsewhere. */
export function maskedLabels(inputIds: readonly number[], completionMask: readonly number[]): number[] {
  return inputIds.map((id, i) => (completionMask[i] === 1 ? id : IGNORE_INDEX));
}

/** Prompt tokens get no loss, completion tokens do. */
export function promptCompletionExample(prompt: readonly number[], completion: readonly number[], truncated: boolean): TokenizedExample {
  const inputIds = [...prompt, ...completion];
  const completionMask = [...prompt.map(() => 0), ...completion.map(() => 1)];
  return { inputIds, completionMask, labels: maskedLabels(inputIds, completionMask), promptLength: prompt.length, truncated };
}
