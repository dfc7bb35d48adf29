/** `grpo:` — group relative policy optimisation. */
import { z } from 'zod';

/** grpo: (r - mean) / std within the group (DeepSeekMath); dr_grpo: r - mean (Dr. GRPO); rloo: leave-one-out mean. */
export const GRPO_ADVANTAGE_TYPES = ['grpo', 'dr_grpo', 'rloo'] as const;
export type GrpoAdvantageType = (typeof GRPO_ADVANTAGE_TYPES)[number];

export const GrpoConfig = z
  .strictObject({
    group_size: z.number().int().min(2).default(8).describe('Completions sampled per prompt; advantages are relative within the group.'),
    beta: z.number().min(0).default(0.04).describe('KL penalty to the reference policy (0 = no reference model).'),
    advantage_type: z
      .enum(GRPO_ADVANTAGE_TYPES)
      .default('grpo')
      .describe('grpo: (r - mean) / std in the group; dr_grpo: r - mean; rloo: r - mean of the others.'),
    clip_range: z.number().positive().default(0.2).describe('Policy ratio clip epsilon.'),
    num_iterations: z.number().int().positive().default(1).describe('Optimisation passes over each batch of completions.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory; null = rule-based rewards only.'),
  })
  .describe('Group relative policy optimisation (training.algorithm: grpo).');

export type GrpoConfig = z.infer<typeof GrpoConfig>;
