/**
 * Logits warpers: pure functions on scores (B, vocab) float that reshape the distribution
 * sampled from. As in HF transformers they only run when sampling (doSample), in the order
 * temperature, top-k, top-p. Removed tokens get -inf.
 *
 * ```ts
 * const s = topPFilter(topKFilter(applyTemperature(scores, 0.7), 50), 0.9);
 * const next = s.softmax(-1).multinomial(1);            // (B, 1)
 * ```
 */
import { arange, type Device, type Tensor } from '../tensor/index.js';
import { checkScores } from './scores.js';

/** HF TemperatureLogitsWarper: scores / t (t < 1 sharpens, t > 1 flattens). */
export function applyTemperature(scores: Tensor, t: number): Tensor {
  checkScores('applyTemperature', scores);
  if (!(t > 0)) throw new RangeError(`temperature (${t}) must be > 0`);
  return scores.div(t);
}

/**
 * HF TopKLogitsWarper: keeps the tokens whose score is at least the k-th largest in their row,
 * so ties with the k-th are kept too. k above the vocabulary size keeps everything.
 */
export function topKFilter(scores: Tensor, k: number): Tensor {
  checkScores('topKFilter', scores);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK (${k}) must be an integer >= 1`);
  const kk = Math.min(k, scores.size(-1));
  const kth = scores.topk(kk, { dim: -1 }).values.narrow(-1, kk - 1, 1); // (B, 1)
  return scores.maskedFill(scores.lt(kth), -Infinity);
}

/**
 * HF TopPLogitsWarper (nucleus sampling, Holtzman et al., 2020): sorts each row ascending,
 * removes the tokens whose cumulative probability is <= 1 - p (the least likely ones, which
 * together hold at most 1 - p), and always keeps the most likely token. What is left is the
 * smallest set of top tokens whose probabilities sum to >= p.
 */
export function topPFilter(scores: Tensor, p: number): Tensor {
  checkScores('topPFilter', scores);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`topP (${p}) must be in [0, 1]`);
  const vocab = scores.size(-1);
  const sorted = scores.sort({ dim: -1, descending: false });
  const cumulative = sorted.values.softmax(-1).cumsum(-1); // (B, V), ascending
  const notLast = arange(vocab, undefined, 1, { device: scores.device as Device }).lt(vocab - 1); // (V)
  const removeSorted = cumulative.le(1 - p).logicalAnd(notLast); // the top token always stays
  const remove = removeSorted.scatter(1, sorted.indices, removeSorted); // back to vocab order
  return scores.maskedFill(remove, -Infinity);
}
