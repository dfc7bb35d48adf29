/** `grpo:` — group relative policy optimisation. */
import { z } from 'zod';
import { GRPO_ADVANTAGE_TYPES, SCALE_REWARDS } from '../../rl/advantages.js';
import { GRPO_LOSS_TYPES, IMPORTANCE_SAMPLING_LEVELS } from '../../rl/grpo.js';
import { SamplingCorrectionFields } from './sampling-correction.js';

export { GRPO_ADVANTAGE_TYPES, type AdvantageType as GrpoAdvantageType } from '../../rl/advantages.js';

export const GrpoConfig = z
  .strictObject({
    group_size: z.number().int().min(2).default(8).describe('Completions sampled per prompt (TRL num_generations); advantages are relative within the group.'),
    num_generations: z.number().int().min(2).nullable().default(null).describe('TRL name of group_size; wins when set.'),
    beta: z.number().min(0).default(0.04).describe('KL penalty to the reference policy (k3 estimator); 0 = no reference model is loaded.'),
    advantage_type: z
      .enum(GRPO_ADVANTAGE_TYPES)
      .default('grpo')
      .describe('grpo|normalized: (r - mean) / std in the group; dr_grpo|relative: r - mean; rank: centred rank; rloo: r - mean of the others.'),
    scale_rewards: z
      .enum(SCALE_REWARDS)
      .default('group')
      .describe('For normalized advantages: divide by the std of the group, of the whole batch, or not at all (TRL scale_rewards).'),
    clip_range: z.number().positive().default(0.2).describe('Policy ratio clip epsilon (TRL epsilon).'),
    epsilon_high: z.number().positive().nullable().default(null).describe('Upper clip epsilon (DAPO clip-higher); null = clip_range.'),
    loss_type: z
      .enum(GRPO_LOSS_TYPES)
      .default('dapo')
      .describe('Aggregation: grpo per-sequence mean; bnpo token mean of the micro-batch; dr_grpo / (B x max_new_tokens); dapo token mean of the whole accumulated batch.'),
    importance_sampling_level: z
      .enum(IMPORTANCE_SAMPLING_LEVELS)
      .default('token')
      .describe('token: per-token ratios (GRPO); sequence: one length-normalised ratio per sequence (GSPO).'),
    num_iterations: z.number().int().positive().default(1).describe('Optimisation passes over each batch of completions (TRL num_iterations, mu).'),
    mask_truncated_completions: z.boolean().default(false).describe('Leave completions that hit max_new_tokens without EOS out of the loss.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory; null = reward functions only (see rewards:).'),
    ...SamplingCorrectionFields,
  })
  .describe('Group relative policy optimisation (training.algorithm: grpo). per_device_train_batch_size counts completions.');

export type GrpoConfig = z.infer<typeof GrpoConfig>;
