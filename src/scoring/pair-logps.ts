/**
 * Summed completion log-probs of preference pairs under a causal LM: what DPO's policy and
 * reference terms, its precomputed reference log-probs and `rlhf eval`'s preference task are made of.
 *
 * ```ts
 * const { chosen, rejected } = scorePairLogps(model, examples, padIdOf(tokenizer), 8);
 * ```
 */
import { collatePreference, type PreferenceExample } from '../data/index.js';
import { causalLmSequenceLogprobs, type PretrainedCausalLm } from '../models/index.js';
import { noGrad, tidy, type Tensor } from '../tensor/index.js';

/** Summed completion log-probs of the [chosen..., rejected...] rows, split in halves of B. */
export function pairLogps(model: PretrainedCausalLm, batch: { inputIds: Tensor; attentionMask: Tensor; completionMask: Tensor }, B: number) {
  const s = causalLmSequenceLogprobs(model, { inputIds: batch.inputIds, attentionMask: batch.attentionMask }, batch.completionMask);
  return {
    chosen: s.logps.slice(0, 0, B),
    rejected: s.logps.slice(0, B, 2 * B),
    chosenLengths: s.numTokens.slice(0, 0, B),
    rejectedLengths: s.numTokens.slice(0, B, 2 * B),
  };
}

/**
 * Summed completion log-probs of each pair's chosen and rejected answer under `model`, in eval
 * mode without grad, batches of `batchSize`: what DPO's implicit rewards are made of.
 */
export function scorePairLogps(model: PretrainedCausalLm, examples: readonly PreferenceExample[], padTokenId: number, batchSize = 8): { chosen: number[]; rejected: number[] } {
  const wasTraining = model.training;
  model.eval();
  const chosen: number[] = [];
  const rejected: number[] = [];
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const chunk = examples.slice(i, i + batchSize);
      const [c, r] = tidy(() => noGrad(() => {
        const l = pairLogps(model, collatePreference(chunk, { padTokenId }), chunk.length);
        return [l.chosen.toArray() as number[], l.rejected.toArray() as number[]];
      }));
      chosen.push(...c);
      rejected.push(...r);
    }
  } finally {
    model.train(wasTraining);
  }
  return { chosen, rejected };
}
