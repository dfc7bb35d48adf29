/**
 * Per-token log-probs of chosen tokens and next-token entropies, computed chunk by chunk over
 * the tokens (native/src/lm_token_stats.cc): no float32 (tokens, vocab) log-softmax exists whole,
 * neither in the forward nor kept for backward (two numbers per token are kept; backward
 * recomputes one chunk's logits at a time). PPO's policy loss and entropy bonus use it.
 *
 * ```ts
 * const { logps, entropy } = linearTokenStats(hidden, lmHeadWeight, targets);   // from hidden (N, H)
 * const { logps, entropy } = logitsTokenStats(logits, targets);                 // from logits (..., V)
 * ```
 */
import { native } from '../native/binding.js';
import { wrap } from '../tensor/base.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { linearCrossEntropyChunkRows } from './linear-cross-entropy.js';

export interface TokenStats {
  /** log softmax(z)[label] per token, float32 (float64 stays); 0 where the label is negative. */
  logps: Tensor;
  /** −Σ_v p_v log p_v per token in nats, float32 (float64 stays). */
  entropy: Tensor;
}

function checkChunkRows(op: string, chunkRows: number): number {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`${op}: chunkRows (${chunkRows}) must be a positive integer`);
  return chunkRows;
}

/** Statistics of `hidden (N, H) @ weight (V, H)ᵀ` against int64 `labels (N)`, without the (N, V) logits. */
export function linearTokenStats(hidden: Tensor, weight: Tensor, labels: Tensor, options: { chunkRows?: number } = {}): TokenStats {
  const chunkRows = checkChunkRows('linearTokenStats', options.chunkRows ?? linearCrossEntropyChunkRows(weight.size(0)));
  const [logps, entropy] = native.linearTokenStats(hidden.handle, weight.handle, labels.handle, chunkRows).map(wrap) as [Tensor, Tensor];
  return { logps, entropy };
}

/** Statistics of logits (..., V) against int64 labels (...): both results have the labels' shape. */
export function logitsTokenStats(logits: Tensor, labels: Tensor, options: { chunkRows?: number } = {}): TokenStats {
  const lead = logits.shape.slice(0, -1);
  if (logits.ndim < 1 || labels.shape.length !== lead.length || labels.shape.some((d, i) => d !== lead[i])) {
    throw new RangeError(
      `logitsTokenStats: labels shape [${labels.shape.join(', ')}] must equal the logits shape without its last dim [${lead.join(', ')}]`,
    );
  }
  const V = logits.size(-1);
  const chunkRows = checkChunkRows('logitsTokenStats', options.chunkRows ?? linearCrossEntropyChunkRows(V));
  return tidy(() => {
    const [logps, entropy] = native.logitsTokenStats(logits.reshape(-1, V).handle, labels.reshape(-1).handle, chunkRows).map(wrap) as [Tensor, Tensor];
    return { logps: logps.view(lead), entropy: entropy.view(lead) };
  });
}
