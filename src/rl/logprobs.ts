/**
 * Per-token log-probabilities of chosen tokens, and their per-sequence sums.
 *
 * ```ts
 * const lp = selectiveLogSoftmax(logits, labels);                       // (B, T)
 * const { logps } = sequenceLogprobs(logits, inputIds, completionMask); // (B,) summed over the completion
 * ```
 */
import { logitsTokenStats } from '../nn/token-stats.js';
import { tidy, type Tensor } from '../tensor/index.js';

/**
 * log_softmax(logits)[..., labels] without materialising the full log-softmax where the
 * dtype allows (TRL `selective_log_softmax`): for float32/float64 it is
 * `gather(logits, labels) − logsumexp(logits)`. In half precision logsumexp loses too much
 * (TRL takes one row's log_softmax at a time), so the log-softmax runs in float32 over chunks
 * of tokens (nn/token-stats.ts), none of it kept for backward, and the result is rounded back.
 *
 * logits (..., V), labels (...) integer → (...) in the logits' dtype.
 */
export function selectiveLogSoftmax(logits: Tensor, labels: Tensor): Tensor {
  const lead = logits.shape.slice(0, -1);
  if (labels.shape.length !== lead.length || labels.shape.some((d, i) => d !== lead[i])) {
    throw new RangeError(
      `selectiveLogSoftmax: labels shape [${labels.shape.join(', ')}] must equal the logits shape without its last dim [${lead.join(', ')}]`,
    );
  }
  return tidy(() => {
    const index = labels.unsqueeze(-1);
    if (logits.dtype === 'float32' || logits.dtype === 'float64') {
      const selected = logits.gather(-1, index).squeeze(-1);
      return selected.sub(logits.logsumexp({ dim: -1 }));
    }
    return logitsTokenStats(logits, labels).logps.to(logits.dtype);
  });
}

export interface SequenceLogprobs {
  /** (B, T−1): entry t is log p(inputIds[t+1] | ≤ t), 0 outside the completion. */
  perTokenLogps: Tensor;
  /** (B,): Σ over the completion (summed, not averaged — TRL's `chosen_logps`). */
  logps: Tensor;
  /** (B,): completion tokens counted per row (float, logits' dtype). */
  numTokens: Tensor;
}

/**
 * Summed completion log-probs with the causal shift: token t is predicted by the logits at
 * t − 1, so `logps[b] = Σ_{t≥1} mask[b,t] · log_softmax(logits[b,t−1])[inputIds[b,t]]`.
 * Labels outside the mask are replaced by 0 before the gather, so pad ids such as −100 are safe.
 * Throws if a row has no completion token.
 *
 * logits (B, T, V), inputIds (B, T), completionMask (B, T) bool or 0/1.
 */
export function sequenceLogprobs(logits: Tensor, inputIds: Tensor, completionMask: Tensor): SequenceLogprobs {
  if (logits.ndim !== 3) throw new RangeError(`sequenceLogprobs: logits must be (B, T, V), got [${logits.shape.join(', ')}]`);
  const [B, T] = logits.shape as [number, number, number];
  for (const [name, t] of [['inputIds', inputIds], ['completionMask', completionMask]] as const) {
    if (t.ndim !== 2 || t.shape[0] !== B || t.shape[1] !== T) {
      throw new RangeError(`sequenceLogprobs: '${name}' must have shape [${B}, ${T}], got [${t.shape.join(', ')}]`);
    }
  }
  return tidy(() => {
    const mask = completionMask.slice(1, 1).to(logits.dtype); // (B, T−1)
    const numTokens = mask.sum({ dim: 1 });
    if (T < 2 || numTokens.min().item() < 1) {
      throw new RangeError('sequenceLogprobs: every row needs at least one completion token after position 0');
    }
    const inside = mask.gt(0);
    const labels = inputIds.slice(1, 1).where(inside, 0); // (B, T−1)
    // where, not mul: a −inf log-prob outside the mask must give 0, not NaN.
    const perToken = selectiveLogSoftmax(logits.slice(1, 0, -1), labels).where(inside, 0); // (B, T−1)
    return { perTokenLogps: perToken, logps: perToken.sum({ dim: 1 }), numTokens };
  });
}
