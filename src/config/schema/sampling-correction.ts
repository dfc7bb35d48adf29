/**
 * The importance-sampling correction keys shared by `grpo:`, `ppo:` and `rloo:`: TRL 1.13's
 * `vllm_importance_sampling_*` without the `vllm_` prefix (the sampler is our own decoding, not vLLM).
 */
import { z } from 'zod';
import { IMPORTANCE_SAMPLING_MODES, isSequenceLevel } from '../../rl/importance-sampling.js';

export const SamplingCorrectionFields = {
  importance_sampling_correction: z
    .boolean()
    .default(false)
    .describe('Weight each token\'s policy-gradient term by exp(old - sampler log-prob) of the sampled token, truncated or masked by importance_sampling_mode (TRL vllm_importance_sampling_correction); logs sampling/*.'),
  importance_sampling_mode: z
    .enum(IMPORTANCE_SAMPLING_MODES)
    .default('sequence_mask')
    .describe('token_truncate|token_mask: a ratio per token; sequence_truncate|sequence_mask: one ratio per sequence (product of its tokens\'); *_truncate clamps to [clip_min, clip_max], *_mask zeroes ratios outside (TRL vllm_importance_sampling_mode).'),
  importance_sampling_clip_max: z.number().positive().nullable().default(3).describe('Upper bound C_max of the importance ratio; null = none (TRL vllm_importance_sampling_clip_max, formerly _cap).'),
  importance_sampling_clip_min: z.number().min(0).nullable().default(null).describe('Lower bound C_min of the importance ratio; null = none (TRL vllm_importance_sampling_clip_min).'),
};

type Fields = { [K in keyof typeof SamplingCorrectionFields]: z.infer<(typeof SamplingCorrectionFields)[K]> };

/** TRL's checks, quoting the values; `sequenceOnly` for algorithms with one ratio per sequence (rloo). */
export function checkSamplingCorrection(section: string, s: Fields, issue: (path: (string | number)[], message: string) => void, sequenceOnly = false): void {
  if (!s.importance_sampling_correction) return;
  const { importance_sampling_clip_min: lo, importance_sampling_clip_max: hi, importance_sampling_mode: mode } = s;
  if (lo !== null && hi !== null && lo >= hi) {
    issue([section, 'importance_sampling_clip_min'], `${section}.importance_sampling_clip_min (${lo}) must be less than importance_sampling_clip_max (${hi})`);
  }
  if (mode.endsWith('_truncate') && lo === null && hi === null) {
    issue([section, 'importance_sampling_clip_max'], `${section}.importance_sampling_mode ${mode} needs importance_sampling_clip_max or importance_sampling_clip_min`);
  }
  if (sequenceOnly && !isSequenceLevel(mode)) {
    issue([section, 'importance_sampling_mode'], `${section}.importance_sampling_mode ${mode}: ${section}'s ratio is one per sequence, so use sequence_truncate or sequence_mask`);
  }
}
