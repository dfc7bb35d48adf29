/** Edit distance, for "did you mean" suggestions on mistyped config keys. */

/**
 * Levenshtein distance (insertions, deletions, substitutions each cost 1).
 * @example levenshtein('learnig_rate', 'learning_rate') // 1
 */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate closest to `key`, or undefined when none is close enough to be a typo
 * (distance at most a third of the key's length, minimum 2).
 * @example nearest('learnig_rate', ['seed', 'learning_rate']) // 'learning_rate'
 */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
