/** SFT loss: next-token cross entropy on completion tokens (labels -100 elsewhere). */
import * as F from '../nn/functional.js';
import { logitsTokenStats } from '../nn/token-stats.js';
import type { Tensor } from '../tensor/index.js';

/**
 * Summed cross entropy of logits (B, T, V) against labels (B, T), shifted by one so position t
 * predicts token t+1, and the number of tokens counted. Divide by the step's token total
 * for the token mean (the loop does this over the whole accumulated batch). Half-precision
 * logits are upcast to float32, as transformers' ForCausalLMLoss does: a bfloat16 sum over
 * thousands of tokens would keep only ~3 significant digits. Without label smoothing the loss is
 * −Σ log p(label) over chunks of tokens (nn/token-stats.ts), so no float32 (tokens, vocab)
 * log-softmax is made or kept for backward.
 */
export function sftLossSum(logits: Tensor, labels: Tensor, labelSmoothing = 0): { loss: Tensor; numTokens: number } {
  const [B, T, V] = logits.shape as [number, number, number];
  if (labels.shape[0] !== B || labels.shape[1] !== T) throw new RangeError(`sftLossSum: labels must be [${B}, ${T}], got [${labels.shape.join(', ')}]`);
  const shifted = logits.slice(1, 0, T - 1).reshape(-1, V); // (B*(T-1), V)
  const shiftLabels = labels.slice(1, 1).reshape(-1); // (B*(T-1),)
  const numTokens = shiftLabels.ne(-100).sum().item();
  if (labelSmoothing === 0) return { loss: logitsTokenStats(shifted, shiftLabels).logps.sum().neg(), numTokens }; // -100 → log-prob 0
  const shiftLogits = shifted.dtype === 'bfloat16' || shifted.dtype === 'float16' ? shifted.to('float32') : shifted;
  const loss = F.crossEntropy(shiftLogits, shiftLabels, { ignoreIndex: -100, reduction: 'sum', labelSmoothing });
  return { loss, numTokens };
}
