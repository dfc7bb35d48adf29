/**
 * Stepwise process reward model on text (TRL PRMTrainer semantics): a token classifier
 * predicts correct / incorrect at the last token of every step (step + separator); all other
 * positions carry label -100 and are ignored.
 */
import { collateCompletions, type TokenizedExample } from '../../data/index.js';
import * as F from '../../nn/functional.js';
import type { TokenClassifierModel } from '../../models/index.js';
import type { Algorithm } from '../loop/index.js';

/** `loss` is the cross entropy SUMMED over labelled steps; numTokens = labelled steps. Metric: accuracy. */
export function stepwisePrmAlgorithm(model: TokenClassifierModel, padTokenId: number): Algorithm<TokenizedExample> {
  return {
    name: 'prm',
    model,
    loss(examples) {
      const batch = collateCompletions(examples, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }); // (B, T, C)
      const C = logits.size(-1);
      const flatLogits = logits.reshape(-1, C);
      const labels = batch.labels.reshape(-1);
      const labelled = labels.ne(-100);
      const numSteps = labelled.sum().item();
      const loss = F.crossEntropy(flatLogits, labels, { ignoreIndex: -100, reduction: 'sum' });
      const correct = flatLogits.detach().argmax({ dim: -1 }).eq(labels).logicalAnd(labelled).sum().item();
      return { loss, numTokens: numSteps, tokens: batch.attentionMask.sum().item(), metrics: { accuracy: correct } };
    },
  };
}
