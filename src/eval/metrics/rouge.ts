/**
 * ROUGE-L (Lin 2004): precision, recall and F1 of the longest common subsequence of tokens,
 * equal to Google's `rouge-score` (`RougeScorer(['rougeL'])`, no stemming): lowercase,
 * non-[a-z0-9] characters to spaces, whitespace split; F1 with beta 1.
 *
 * rouge-score's tokenizer drops every non-ASCII letter, so Chinese text scores 0; pass
 * `tokenize: tokenizeChars` (one token per non-space character) for Chinese.
 *
 * ```ts
 * rougeL('the cat is sitting on the mat', 'the cat sat on the mat');  // { precision: 0.833, recall: 0.714, f1: 0.769 }
 * corpusRougeL(references, predictions).f1;                          // mean F1 over the pairs
 * ```
 */

export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

export interface RougeOptions {
  /** Text to tokens. Default rougeTokenize (rouge-score's tokenizer). */
  tokenize?: (text: string) => string[];
}

/** rouge-score's default tokenizer: lowercase, [^a-z0-9]+ to a space, split, drop empties. */
export function rougeTokenize(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(' ').filter((t) => t !== '');
}

/** One token per character that is not whitespace (by code point): a simple tokenizer for Chinese. */
export function tokenizeChars(text: string): string[] {
  return [...text].filter((c) => c.trim() !== '');
}

/** Length of the longest common subsequence, by dynamic programming in O(|a|·|b|) time and O(|b|) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] = x === b[j - 1] ? (prev[j - 1] ?? 0) + 1 : Math.max(prev[j] ?? 0, row[j - 1] ?? 0);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** ROUGE-L of `prediction` against `reference` (rouge-score's argument order: target first). Empty token lists score 0. */
export function rougeL(reference: string, prediction: string, options: RougeOptions = {}): RougeScore {
  const tokenize = options.tokenize ?? rougeTokenize;
  const ref = tokenize(reference);
  const pred = tokenize(prediction);
  if (ref.length === 0 || pred.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const lcs = lcsLength(ref, pred);
  const precision = lcs / pred.length;
  const recall = lcs / ref.length;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Mean precision, recall and F1 of ROUGE-L over aligned (reference, prediction) pairs. */
export function corpusRougeL(references: readonly string[], predictions: readonly string[], options: RougeOptions = {}): RougeScore & { perPair: RougeScore[] } {
  if (references.length !== predictions.length) throw new Error(`corpusRougeL: ${references.length} references but ${predictions.length} predictions`);
  if (references.length === 0) throw new Error('corpusRougeL: no pairs');
  const perPair = references.map((ref, i) => rougeL(ref, predictions[i] as string, options));
  const mean = (key: keyof RougeScore): number => perPair.reduce((s, p) => s + p[key], 0) / perPair.length;
  return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), perPair };
}
