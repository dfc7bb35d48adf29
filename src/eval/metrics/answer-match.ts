/**
 * Answer accuracy for tasks with one right answer (arithmetic, GSM8K-style final answers): the
 * tests behind the `exact_match` and `numeric_match` rewards (src/rewards/builtins.ts) and the
 * `generation/exact_match`, `generation/numeric_match` metrics of `rlhf eval`, so a policy's
 * accuracy here is the reward it collects there.
 *
 * ```ts
 * exactMatch(' 125\n', '125');                   // true
 * numericMatch('so the answer is 1,250.', '1250'); // true
 * answerAccuracy(['125', '115', 'x'], ['125', '125', '7']);   // { exactMatch: 0.333..., numericMatch: 0.333..., count: 3 }
 * ```
 */

const normalise = (s: string) => s.trim().replace(/\s+/g, ' ');

/** True when both texts are equal once trimmed and their inner runs of whitespace are single spaces. */
export function exactMatch(completion: string, reference: string): boolean {
  return normalise(completion) === normalise(reference);
}

/** The last number in a text (sign and decimals kept, thousands separators removed), or null. */
export function lastNumber(text: string): number | null {
  const matches = text.replace(/(\d),(\d{3})/g, '$1$2').match(/-?\d+(?:\.\d+)?/g);
  return matches === null ? null : Number(matches[matches.length - 1]);
}

/** True when the last numbers of both texts exist and differ by at most `tolerance` (default 1e-6). */
export function numericMatch(completion: string, reference: string, tolerance = 1e-6): boolean {
  const want = lastNumber(reference);
  const got = lastNumber(completion);
  return want !== null && got !== null && Math.abs(got - want) <= tolerance;
}

export interface AnswerAccuracy {
  /** Share of completions that exactly match their reference. */
  exactMatch: number;
  /** Share whose last number equals the reference's. */
  numericMatch: number;
  count: number;
}

/** Exact- and numeric-match accuracy of completions against references (aligned by index). */
export function answerAccuracy(completions: readonly string[], references: readonly string[]): AnswerAccuracy {
  if (completions.length !== references.length) {
    throw new Error(`answerAccuracy: ${completions.length} completions but ${references.length} references`);
  }
  if (completions.length === 0) throw new Error('answerAccuracy: no completions');
  let exact = 0;
  let numeric = 0;
  completions.forEach((c, i) => {
    const r = references[i] as string;
    if (exactMatch(c, r)) exact++;
    if (numericMatch(c, r)) numeric++;
  });
  return { exactMatch: exact / completions.length, numericMatch: numeric / completions.length, count: completions.length };
}
