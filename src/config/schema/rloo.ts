/** `rloo:` — REINFORCE leave-one-out with TRL 1.13 RLOOConfig's names and defaults. */
import { z } from 'zod';
import { SamplingCorrectionFields } from './sampling-correction.js';

export const RlooConfig = z
  .strictObject({
    num_generations: z.number().int().min(2).default(2).describe('Completions sampled per prompt; each one\'s baseline is the mean reward of the other num_generations - 1.'),
    beta: z.number().min(0).default(0.05).describe('Weight of the sequence KL to the reference, sum over tokens of (log pi_old - log pi_ref), subtracted from each reward; 0 = no reference model is loaded.'),
    num_iterations: z.number().int().positive().default(1).describe('Optimisation passes over each batch of completions (TRL num_iterations).'),
    epsilon: z.number().positive().default(0.2).describe('Clip epsilon of the sequence-level policy ratio.'),
    epsilon_high: z.number().positive().nullable().default(null).describe('Upper clip epsilon; null = epsilon.'),
    normalize_advantages: z.boolean().default(false).describe('Whiten the advantages over the whole batch: (A - mean) / (std + 1e-4).'),
    reward_clip_range: z.tuple([z.number(), z.number()]).nullable().default(null).describe('Clamp the summed reward to [low, high] before the KL penalty; null = no clipping.'),
    mask_truncated_completions: z.boolean().default(false).describe('Leave completions that hit max_new_tokens without EOS out of the loss and the KL.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory; null = reward functions only (see rewards:).'),
    ...SamplingCorrectionFields,
  })
  .describe('REINFORCE leave-one-out (training.algorithm: rloo). per_device_train_batch_size counts completions.');

export type RlooConfig = z.infer<typeof RlooConfig>;
