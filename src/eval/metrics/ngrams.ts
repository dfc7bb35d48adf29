/**
 * N-gram counting over token lists, shared by BLEU and distinct-n. An n-gram's key is its
 * tokens joined by a space (tokens never contain whitespace), so keys of different orders differ.
 *
 * ```ts
 * countNgrams(['a', 'b', 'a', 'b'], 2);  // Map { 'a b' => 2, 'b a' => 1 }
 * ```
 */

/** Counts of the `n`-grams of `tokens` (empty when there are fewer than n tokens). */
export function countNgrams(tokens: readonly string[], n: number, into: Map<string, number> = new Map()): Map<string, number> {
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    into.set(key, (into.get(key) ?? 0) + 1);
  }
  return into;
}
