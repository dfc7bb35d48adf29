/**
 * Latent process reward model: each example's [steps, hidden] latents go through the trunk as
 * inputsEmbeds, are pooled, and a sigmoid regression head is fitted to the score by MSE.
 */
import { collateLatents, type LatentRecord } from '../../data/index.js';
import type { LatentPrmModel } from '../../models/index.js';
import type { Algorithm } from '../loop/index.js';

/**
 * `loss` is the squared error SUMMED over examples (numTokens = examples). Metrics: mse, mae,
 * and r2 (from the averaged target moments, so it is exact over a whole evaluation).
 */
export function latentPrmAlgorithm(model: LatentPrmModel): Algorithm<LatentRecord> {
  return {
    name: 'prm',
    model,
    loss(records) {
      const { latents, mask, targets } = collateLatents(records);
      const scores = model.forward(latents, mask);
      const err = scores.sub(targets);
      const loss = err.square().sum();
      const sse = loss.detach().item();
      return {
        loss,
        numTokens: records.length,
        tokens: mask.sum().item(),
        metrics: { mse: sse, mae: err.detach().abs().sum().item(), target_mean: targets.sum().item(), target_sq_mean: targets.square().sum().item() },
      };
    },
    summarize(m) {
      const mean = m['target_mean'] ?? 0;
      const variance = (m['target_sq_mean'] ?? 0) - mean * mean;
      const out: Record<string, number> = { mse: m['mse'] ?? NaN, mae: m['mae'] ?? NaN };
      // R² = 1 − SSE/SST; undefined when every target is the same.
      out['r2'] = variance > 1e-12 ? 1 - (m['mse'] ?? NaN) / variance : NaN;
      return out;
    },
  };
}
