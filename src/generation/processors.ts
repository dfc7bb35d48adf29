/**
 * Logits processors: pure functions from scores (B, vocab) float to new scores of the same
 * shape, each matching one of HF transformers' LogitsProcessor classes operation by
 * operation. These change the distribution for greedy and sampled decoding alike; the
 * sampling-only warpers are in warpers.ts.
 *
 * ```ts
 * const s = applyRepetitionPenalty(scores, sequences, 1.2); // sequences (B, L) int64
 * const t = enforceMinNewTokens(s, [eosId], step, 4);      // no EOS before 4 new tokens
 * ```
 */
import { tensor, where, type Device, type Tensor } from '../tensor/index.js';
import { checkScores } from './scores.js';

/**
 * HF RepetitionPenaltyLogitsProcessor (CTRL, Keskar et al., 2019, eq. 1 with logits that can
 * be negative): every token id present in `tokenIds` (B, L) int64, prompt included, has its
 * logit divided by `penalty` when positive and multiplied by it when negative, so penalty > 1
 * always makes it less likely. Each token is penalised once however often it occurs.
 */
export function applyRepetitionPenalty(scores: Tensor, tokenIds: Tensor, penalty: number): Tensor {
  checkScores('applyRepetitionPenalty', scores);
  const seen = scores.gather(1, tokenIds); // (B, L)
  const penalised = where(seen.lt(0), seen.mul(penalty), seen.div(penalty));
  // Duplicate ids write the same value, so scatter's order does not matter.
  return scores.scatter(1, tokenIds, penalised);
}

/** Sets the given token ids' scores to -inf in every row. */
export function suppressTokens(scores: Tensor, ids: readonly number[]): Tensor {
  checkScores('suppressTokens', scores);
  if (ids.length === 0) return scores;
  const [batch] = scores.shape as [number, number];
  const index = tensor([...ids], { dtype: 'int64', device: scores.device as Device }).unsqueeze(0).expand(batch, ids.length);
  return scores.scatter(1, index, -Infinity);
}

/**
 * HF MinNewTokensLengthLogitsProcessor: while fewer than `minNewTokens` tokens have been
 * generated, the EOS ids cannot be chosen.
 */
export function enforceMinNewTokens(scores: Tensor, eosIds: readonly number[], generated: number, minNewTokens: number): Tensor {
  return generated < minNewTokens ? suppressTokens(scores, eosIds) : scores;
}
