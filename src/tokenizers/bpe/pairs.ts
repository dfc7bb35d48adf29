/**
 * Symbol pairs as single numbers, and merging one pair inside one word, the way HF
 * tokenizers' BPE trainer does it (models/bpe/word.rs `Word::merge`).
 *
 * ```ts
 * const word = [5, 6, 5, 6];                  // "abab" as symbol ids
 * mergeInWord(word, 5, 6, 9, (pair, delta) => counts.set(pair, (counts.get(pair) ?? 0) + delta));
 * word;                                       // [9, 9]
 * ```
 */

/** Ids stay below this so that `left * PAIR_BASE + right` is an exact, ordered number. */
export const PAIR_BASE = 2 ** 26;

/** One number for the pair; comparing keys compares pairs (left id first, then right). */
export function pairKey(left: number, right: number): number {
  return left * PAIR_BASE + right;
}

export function pairLeft(key: number): number {
  return Math.floor(key / PAIR_BASE);
}

export function pairRight(key: number): number {
  return key % PAIR_BASE;
}

/**
 * Replaces each `left right` in `word` (left to right, not overlapping) by `merged`, telling
 * `change` how the neighbouring pairs' counts move: `(x, left)` and `(right, y)` lose one,
 * `(x, merged)` and `(merged, y)` gain one. Like HF, the merged pair itself is not
 * decremented: its count goes stale and the trainer's queue copes with that.
 */
export function mergeInWord(word: number[], left: number, right: number, merged: number, change: (pair: number, delta: 1 | -1) => void): void {
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== left || i + 1 >= word.length || word[i + 1] !== right) continue;
    if (i > 0) {
      const before = word[i - 1] as number;
      change(pairKey(before, left), -1);
      change(pairKey(before, merged), 1);
    }
    word.splice(i, 2, merged);
    if (i < word.length - 1) {
      const after = word[i + 1] as number;
      change(pairKey(right, after), -1);
      change(pairKey(merged, after), 1);
    }
  }
}
