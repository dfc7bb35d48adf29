/**
 * The importance-sampling correction of grpo, ppo and rloo (`<section>.importance_sampling_*`):
 * the sampler's per-token log-probs, recorded while decoding (RolloutBatch.generationLogps, from
 * the raw logits like our training forward), against the training forward's old log-probs.
 */
import type { GrpoConfig, PpoConfig, ReinforcePpConfig, RlooConfig } from '../../config/index.js';
import { samplingImportanceRatio, type ImportanceSamplingMode } from '../../rl/index.js';
import { tidy, type Tensor } from '../../tensor/index.js';
import type { RolloutWorld } from './world.js';

export interface SamplingCorrectionSettings {
  mode: ImportanceSamplingMode;
  clipMax: number | null;
  clipMin: number | null;
}

/** The algorithms' option from a config section; null when importance_sampling_correction is off. */
export function samplingCorrectionOf(section: GrpoConfig | PpoConfig | RlooConfig | ReinforcePpConfig): SamplingCorrectionSettings | null {
  return section.importance_sampling_correction
    ? { mode: section.importance_sampling_mode, clipMax: section.importance_sampling_clip_max, clipMin: section.importance_sampling_clip_min }
    : null;
}

/**
 * The weights (B, C) or (B, 1) for this rank's rows and TRL's metrics over every rank:
 * sampling/sampling_logp_difference/mean (mean of ranks' means) and /max, and
 * sampling/importance_sampling_ratio/min|mean|max.
 */
export function samplingCorrection(oldLogps: Tensor, samplerLogps: Tensor, mask: Tensor, s: SamplingCorrectionSettings, world: RolloutWorld): { ratio: Tensor; metrics: Record<string, number> } {
  return tidy(() => {
    const { ratio, metrics: m } = samplingImportanceRatio(oldLogps, samplerLogps, mask, s);
    const all = (t: Tensor) => world.gather([t.item()]);
    const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      ratio,
      metrics: {
        'sampling/sampling_logp_difference/mean': meanOf(all(m.logpDifferenceMean)),
        'sampling/sampling_logp_difference/max': Math.max(...all(m.logpDifferenceMax)),
        'sampling/importance_sampling_ratio/min': Math.min(...all(m.ratioMin)),
        'sampling/importance_sampling_ratio/mean': meanOf(all(m.ratioMean)),
        'sampling/importance_sampling_ratio/max': Math.max(...all(m.ratioMax)),
      },
    };
  });
}
