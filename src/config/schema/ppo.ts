/** `ppo:` — PPO with a value head and a reward model. */
import { z } from 'zod';

export const PpoConfig = z
  .strictObject({
    ppo_epochs: z.number().int().positive().default(4).describe('Optimisation passes over each batch of rollouts.'),
    num_mini_batches: z.number().int().positive().default(1).describe('Mini-batches each rollout batch is split into per pass.'),
    clip_range: z.number().positive().default(0.2).describe('Policy ratio clip epsilon (PPO, eq. 7).'),
    clip_range_value: z.number().positive().default(0.2).describe('Value prediction clip around the old values.'),
    value_loss_coef: z.number().min(0).default(0.1).describe('Weight of the value loss in the total loss.'),
    entropy_coef: z.number().min(0).default(0).describe('Weight of the entropy bonus.'),
    kl_coef: z.number().min(0).default(0.05).describe('Per-token KL penalty to the reference policy, folded into the reward.'),
    gamma: z.number().min(0).max(1).default(1).describe('Discount factor.'),
    gae_lambda: z.number().min(0).max(1).default(0.95).describe('GAE lambda (Schulman et al. 2016).'),
    whiten_advantages: z.boolean().default(true).describe('Normalise advantages to mean 0, std 1 per batch.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory scoring the rollouts. Required for ppo.'),
  })
  .describe('Proximal policy optimisation (training.algorithm: ppo).');

export type PpoConfig = z.infer<typeof PpoConfig>;
