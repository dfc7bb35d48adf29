/**
 * distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
 * Conversation Models"): distinct n-grams over all n-grams across a set of generations. 1 means
 * no n-gram repeats; a model that says the same thing to every prompt drifts towards 0.
 *
 * ```ts
 * distinctN(['the cat sat', 'the cat ran'], 1);  // 4 distinct / 6 unigrams = 0.667
 * distinctN(['机器学习', '深度学习'], 2, { tokenize: tokenizeChars });
 * ```
 */
import { countNgrams } from './ngrams.js';

export interface DistinctOptions {
  /** Text to tokens. Default: split on whitespace. */
  tokenize?: (text: string) => string[];
}

const whitespaceTokens = (text: string): string[] => text.split(/\s+/).filter((t) => t !== '');

/** Distinct n-grams / total n-grams over all `texts` (corpus level). 0 when no text has n tokens. */
export function distinctN(texts: readonly string[], n: number, options: DistinctOptions = {}): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`distinctN: n must be a positive integer, got ${n}`);
  if (texts.length === 0) throw new Error('distinctN: no texts');
  const tokenize = options.tokenize ?? whitespaceTokens;
  const counts = new Map<string, number>();
  for (const text of texts) countNgrams(tokenize(text), n, counts);
  let total = 0;
  for (const c of counts.values()) total += c;
  return total === 0 ? 0 : counts.size / total;
}
