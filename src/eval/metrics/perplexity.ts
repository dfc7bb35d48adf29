/**
 * Perplexity: exp of the mean per-token negative log-likelihood (nats). The mean is over
 * tokens, not sequences: weight each sequence by its token count.
 *
 * ```ts
 * perplexity(2.0);                                   // e² = 7.389
 * perplexityFromTokenLosses([1.2, 0.3, 2.4]);         // exp(1.3)
 * perplexityFromSum(lossSum, numTokens);              // what the trainer's eval loop accumulates
 * ```
 */

/** exp(meanTokenLoss); the loss must be finite (a NaN loss means the run diverged, not infinite perplexity). */
export function perplexity(meanTokenLoss: number): number {
  if (!Number.isFinite(meanTokenLoss)) throw new Error(`perplexity: the mean token loss must be finite, got ${meanTokenLoss}`);
  return Math.exp(meanTokenLoss);
}

/** Perplexity from a summed token loss and the number of tokens it covers. */
export function perplexityFromSum(lossSum: number, numTokens: number): number {
  if (!(numTokens > 0)) throw new Error(`perplexity: numTokens must be positive, got ${numTokens}`);
  return perplexity(lossSum / numTokens);
}

/** Perplexity from per-token losses (e.g. the cross-entropy of each predicted token). */
export function perplexityFromTokenLosses(tokenLosses: readonly number[]): number {
  return perplexityFromSum(tokenLosses.reduce((s, x) => s + x, 0), tokenLosses.length);
}
