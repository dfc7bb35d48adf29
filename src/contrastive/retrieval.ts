/**
 * In-batch retrieval of held-out pairs: each anchor ranks all N positives by similarity, and
 * the metrics ask where its own positive lands (sentence-transformers' InformationRetrieval
 * evaluator with one relevant document per query).
 *
 * ```ts
 * const r = retrievalMetrics(anchorEmbeddings, positiveEmbeddings); // (N, D) each
 * r.top1Accuracy; // fraction of anchors whose own positive ranks first
 * r.mrr;          // mean of 1 / rank
 * ```
 */
import { arange, noGrad, tidy, type Device, type Tensor } from '../tensor/index.js';
import { assertShape } from '../rl/shapes.js';
import { l2Normalize } from './normalize.js';

export const RETRIEVAL_SIMILARITIES = ['cosine', 'dot'] as const;
export type RetrievalSimilarity = (typeof RETRIEVAL_SIMILARITIES)[number];

export interface RetrievalOptions {
  /** How an anchor scores a positive. Default cosine. */
  similarity?: RetrievalSimilarity;
}

export interface RetrievalResult {
  /** Fraction of anchors whose own positive ranks first. */
  top1Accuracy: number;
  /** Mean reciprocal rank of each anchor's own positive. */
  mrr: number;
  /** 1-based rank of each anchor's positive among all N positives. */
  ranks: number[];
}

/**
 * Top-1 accuracy and MRR of anchors (N, D) against positives (N, D), row i's positive being
 * positives[i]. Ties count against the anchor (rank = how many positives score at least as
 * high as its own), so identical embeddings everywhere score 1/N, not a perfect 1.
 */
export function retrievalMetrics(anchors: Tensor, positives: Tensor, options: RetrievalOptions = {}): RetrievalResult {
  const { similarity = 'cosine' } = options;
  if (anchors.ndim !== 2) throw new RangeError(`retrievalMetrics: 'anchors' must be 2-D [N, D], got [${anchors.shape.join(', ')}]`);
  assertShape('retrievalMetrics', 'positives', positives, anchors.shape);
  const n = anchors.shape[0] as number;
  if (n === 0) throw new RangeError('retrievalMetrics: no pairs to rank');
  const ranks = tidy(() => noGrad(() => {
    const [a, p] = similarity === 'cosine' ? [l2Normalize(anchors), l2Normalize(positives)] : [anchors, positives];
    const scores = a.matmul(p.t()); // (N, N) anchor i against positive j
    const own = scores.gather(1, arange(n, undefined, 1, { device: scores.device as Device }).view(n, 1)); // (N, 1)
    return scores.ge(own).sum({ dim: 1 }).toArray() as number[]; // own counts itself: rank 1 when nothing else reaches it
  }));
  const top1Accuracy = ranks.filter((r) => r === 1).length / n;
  const mrr = ranks.reduce((s, r) => s + 1 / r, 0) / n;
  return { top1Accuracy, mrr, ranks };
}
