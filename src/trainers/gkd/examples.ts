/**
 * GKD's rows, as TRL's DataCollatorForChatML lays them out: the prompt is everything before the
 * last assistant turn (messages[:-1] with the generation prompt), the loss covers that turn only.
 * For prompt/completion records that is the SFT example itself. On-policy (and seq_kd) rows put a
 * sampled completion after the same prompt.
 *
 * ```ts
 * const rows = train.map(lastTurnExample);          // dataset completions (off-policy)
 * const mine = sampledExample(prompt, tokenIds);    // a student's sample (on-policy)
 * ```
 */
import { formatOrigin, originOf, withOrigin, type TokenizedExample } from '../../data/index.js';

/** The example with its prompt extended to the start of the last completion span, and loss on that span only. */
export function lastTurnExample(e: TokenizedExample): TokenizedExample {
  const end = e.completionMask.lastIndexOf(1);
  if (end < 0) return e;
  let start = end;
  while (start > 0 && e.completionMask[start - 1] === 1) start--;
  if (start === e.promptLength) return e;
  const completionMask = e.completionMask.map((m, i) => (i >= start ? m : 0));
  const labels = e.labels.map((l, i) => (i >= start ? l : -100));
  return withOrigin(e, { ...e, completionMask, labels, promptLength: start });
}

/** The prompt the student continues: the tokens before the example's (last-turn) completion. */
export const promptOf = (e: TokenizedExample): number[] => e.inputIds.slice(0, e.promptLength);

/** Prompt + a sampled completion (its EOS included), loss on the completion. */
export function sampledExample(prompt: readonly number[], completion: readonly number[]): TokenizedExample {
  const inputIds = [...prompt, ...completion];
  return {
    inputIds,
    completionMask: inputIds.map((_, i) => (i < prompt.length ? 0 : 1)),
    labels: inputIds.map((id, i) => (i < prompt.length ? -100 : id)),
    promptLength: prompt.length,
    truncated: false,
  };
}

/** Refuses an example whose completion starts at its first token: the student would have no prompt to continue. */
export function checkPrompts(examples: readonly TokenizedExample[], maxLength: number): void {
  const empty = examples.find((e) => e.promptLength === 0);
  if (empty === undefined) return;
  const where = formatOrigin(originOf(empty)) ?? 'a record';
  throw new Error(`gkd: ${where}: the completion starts at the first token (no prompt, or none left within data.max_length ${maxLength}), so the student has nothing to sample from; give the record a prompt (a user turn before the assistant's)`);
}
