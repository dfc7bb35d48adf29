/**
 * BPE training with HF tokenizers' `BpeTrainer` semantics (models/bpe/trainer.rs), so that the
 * same word counts give the same vocabulary and merges as Python `tokenizers`:
 *
 * 1. special tokens get ids 0..k-1, in the order given;
 * 2. the alphabet (every character of the words, plus `initialAlphabet`) follows, sorted by
 *    code point;
 * 3. pairs of adjacent symbols are counted over the words, weighted by word counts;
 * 4. the most frequent pair is merged, ties going to the smaller pair (left id, then right
 *    id), until the vocabulary reaches `vocabSize`, no pair is left, or the best pair occurs
 *    fewer than `minFrequency` times. A merge whose string is already a token reuses its id
 *    (two pairs can spell one token), so merges can outnumber new tokens.
 *
 * Counts are updated incrementally after each merge, only in the words that held the pair,
 * with a lazily corrected priority queue, as HF does; HF's quirks are kept because they
 * decide ties (the merged pair's own count is not decremented, and a stale queue entry of an
 * already merged pair can merge it again, listed once at its last rank).
 *
 * ```ts
 * const words = new Map([['hug', 10], ['pug', 5], ['hugs', 5]]);
 * const model = trainBpe(words, { vocabSize: 8, specialTokens: ['<unk>'] });
 * model.vocab;    // ['<unk>', 'g', 'h', 'p', 's', 'u', 'ug', 'hug']
 * model.merges;   // [['u', 'g'], ['h', 'ug']]
 * ```
 */
import { MergeQueue } from './merge-queue.js';
import { mergeInWord, PAIR_BASE, pairKey, pairLeft, pairRight } from './pairs.js';

export interface BpeTrainerOptions {
  /** The vocabulary size to reach, special tokens and alphabet included. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this (HF's `min_frequency`; default 0). */
  minFrequency?: number;
  /** Tokens given the first ids, in this order (duplicates kept once). */
  specialTokens?: readonly string[];
  /** Characters in the vocabulary even if no word uses them (HF's `initial_alphabet`). */
  initialAlphabet?: Iterable<string>;
}

/** Why training stopped before or at `vocabSize`. */
export type BpeStopReason = 'vocab-size' | 'min-frequency' | 'no-pairs';

export interface BpeModel {
  /** Tokens by id: special tokens, the alphabet, then merged tokens in the order learned. */
  vocab: string[];
  /** Merges by rank, as [left, right] tokens. */
  merges: [string, string][];
  stopReason: BpeStopReason;
}

/** Trains BPE merges over `words` (word -> count; each word is split into characters). */
export function trainBpe(words: ReadonlyMap<string, number>, options: BpeTrainerOptions): BpeModel {
  const { vocabSize, minFrequency = 0, specialTokens = [], initialAlphabet = [] } = options;
  if (vocabSize > PAIR_BASE) throw new RangeError(`trainBpe: vocabSize ${vocabSize} is over the supported ${PAIR_BASE}`);
  const vocab: string[] = [];
  const ids = new Map<string, number>();
  const intern = (token: string): number => {
    let id = ids.get(token);
    if (id === undefined) {
      id = vocab.length;
      ids.set(token, id);
      vocab.push(token);
    }
    return id;
  };
  for (const token of specialTokens) intern(token);
  for (const c of alphabet(words, initialAlphabet)) intern(c);

  // Words as symbol ids; the same index into `counts`.
  const symbols: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of words) {
    symbols.push(Array.from(word, (c) => ids.get(c) as number));
    counts.push(count);
  }

  const pairCounts = new Map<number, number>();
  const queue = new MergeQueue();
  const initial = new Map<number, number[]>();
  symbols.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const pair = pairKey(word[i] as number, word[i + 1] as number);
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + (counts[w] as number));
      addTo(initial, pair, w);
    }
  });
  pushAll(queue, initial, pairCounts);

  const ranked: { pair: number; left: string; right: string }[] = [];
  let stopReason: BpeStopReason = 'no-pairs';
  for (;;) {
    if (ids.size >= vocabSize) {
      stopReason = 'vocab-size';
      break;
    }
    const top = queue.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.pair) as number;
    if (top.count !== current) {
      queue.push({ ...top, count: current });
      continue;
    }
    if (top.count < 1) break;
    if (minFrequency > top.count) {
      stopReason = 'min-frequency';
      break;
    }

    const left = pairLeft(top.pair);
    const right = pairRight(top.pair);
    const leftToken = vocab[left] as string;
    const rightToken = vocab[right] as string;
    const merged = intern(leftToken + rightToken);
    ranked.push({ pair: top.pair, left: leftToken, right: rightToken });

    // Pairs that gained an occurrence, with the words where: each becomes a queue entry.
    const gained = new Map<number, number[]>();
    let w = 0;
    const change = (pair: number, delta: 1 | -1): void => {
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + delta * (counts[w] as number));
      if (delta > 0) addTo(gained, pair, w);
    };
    for (w of top.words) mergeInWord(symbols[w] as number[], left, right, merged, change);
    pushAll(queue, gained, pairCounts);
  }
  return { vocab, merges: lastRankOnly(ranked), stopReason };
}

/** The words' characters and the initial alphabet, sorted by code point (HF's order). */
function alphabet(words: ReadonlyMap<string, number>, initialAlphabet: Iterable<string>): string[] {
  const chars = new Set<string>();
  for (const word of words.keys()) for (const c of word) chars.add(c);
  for (const c of initialAlphabet) {
    if ([...c].length !== 1) throw new Error(`trainBpe: initial alphabet entry ${JSON.stringify(c)} is not one character`);
    chars.add(c);
  }
  return [...chars].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
}

/** Records that `word` holds `pair`. Words are visited one at a time, so a repeat is the last entry. */
function addTo(map: Map<number, number[]>, pair: number, word: number): void {
  const words = map.get(pair);
  if (words === undefined) map.set(pair, [word]);
  else if (words[words.length - 1] !== word) words.push(word);
}

function pushAll(queue: MergeQueue, where: Map<number, number[]>, pairCounts: Map<number, number>): void {
  for (const [pair, words] of where) {
    const count = pairCounts.get(pair) as number;
    if (count > 0) queue.push({ pair, count, words });
  }
}

/** HF stores merges in a map, so a pair merged twice keeps only its last rank. */
function lastRankOnly(ranked: readonly { pair: number; left: string; right: string }[]): [string, string][] {
  const last = new Map<number, number>();
  ranked.forEach((m, rank) => last.set(m.pair, rank));
  return ranked.filter((m, rank) => last.get(m.pair) === rank).map((m) => [m.left, m.right]);
}
