/**
 * Summed completion log-probs of (prompt, completion) sequences under a causal LM, in eval mode
 * without grad: what KTO's precomputed reference log-probs are made of.
 *
 * ```ts
 * const logps = scoreCompletionLogps(reference, examples.map((e) => [e.promptIds, e.completionIds]), padIdOf(tokenizer), 8);
 * ```
 */
import { collatePromptCompletions } from '../data/index.js';
import { causalLmSequenceLogprobs, type PretrainedCausalLm } from '../models/index.js';
import { noGrad, tidy } from '../tensor/index.js';

/** Σ log p(completion token | prefix) of each sequence, in batches of `batchSize`. */
export function scoreCompletionLogps(model: PretrainedCausalLm, sequences: readonly (readonly [readonly number[], readonly number[]])[], padTokenId: number, batchSize = 8): number[] {
  const wasTraining = model.training;
  model.eval();
  const out: number[] = [];
  try {
    for (let i = 0; i < sequences.length; i += batchSize) {
      const chunk = sequences.slice(i, i + batchSize);
      out.push(...tidy(() => noGrad(() => {
        const batch = collatePromptCompletions(chunk, { padTokenId });
        return causalLmSequenceLogprobs(model, { inputIds: batch.inputIds, attentionMask: batch.attentionMask }, batch.completionMask).logps.toArray() as number[];
      })));
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}
