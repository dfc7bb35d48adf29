/**
 * The loss on packed rows (several sequences per row, positions restarting per sequence so
 * attention stays inside each): summed next-token cross entropy of the labelled tokens, through
 * the fused head where the model allows. SFT packing (sft.packing) and causal LM pretraining
 * (token blocks) both train with it.
 */
import { collatePacked, type PackedRow } from '../../data/index.js';
import { causalLmLossSum, type PretrainedCausalLm } from '../../models/index.js';
import type { Algorithm } from './types.js';

export function packedLmAlgorithm(name: string, model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<PackedRow> {
  return {
    name,
    model,
    loss(rows) {
      const batch = collatePacked(rows, { padTokenId });
      const input = { inputIds: batch.inputIds, positionIds: batch.positionIds };
      return { ...causalLmLossSum(model, input, batch.labels, labelSmoothing), tokens: rows.reduce((n, r) => n + r.inputIds.length, 0) };
    },
    evalMetrics: (evalLoss) => ({ perplexity: Math.exp(evalLoss) }),
  };
}
