/** `ppo:` — PPO with a value model and a reward model and/or reward functions. */
import { z } from 'zod';
import { KL_ESTIMATORS, KL_PENALTIES } from '../../rl/kl.js';
import { VALUE_HEADS } from '../../trainers/online/value.js';
import { SamplingCorrectionFields } from './sampling-correction.js';

export const PpoConfig = z
  .strictObject({
    ppo_epochs: z.number().int().positive().default(4).describe('Optimisation passes over each batch of rollouts.'),
    num_mini_batches: z.number().int().positive().default(1).describe('Mini-batches each rollout batch is split into per pass.'),
    clip_range: z.number().positive().default(0.2).describe('Policy ratio clip epsilon (PPO, eq. 7).'),
    clip_range_value: z.number().positive().default(0.2).describe('Value prediction clip around the old values.'),
    value_loss_coef: z.number().min(0).default(0.1).describe('Weight of the value loss in the total loss.'),
    entropy_coef: z.number().min(0).default(0).describe('Weight of the entropy bonus.'),
    kl_coef: z.number().min(0).default(0.05).describe('KL coefficient (the start value when adaptive_kl).'),
    kl_estimator: z.enum(KL_ESTIMATORS).default('k1').describe('Per-token KL estimate: k1 = log p - log q, k2 = (log p - log q)^2 / 2, k3 = e^(log q - log p) - (log q - log p) - 1.'),
    kl_penalty: z.enum(KL_PENALTIES).default('reward').describe('Fold -kl_coef x KL into the per-token rewards (reward) or add kl_coef x KL to the loss (loss).'),
    adaptive_kl: z.boolean().default(false).describe('Adapt kl_coef toward target_kl (Ziegler et al. 2019).'),
    target_kl: z.number().positive().default(6).describe('Target sequence KL of the adaptive controller.'),
    kl_horizon: z.number().positive().default(10000).describe('Horizon (in samples) of the adaptive controller.'),
    gamma: z.number().min(0).max(1).default(1).describe('Discount factor.'),
    gae_lambda: z.number().min(0).max(1).default(0.95).describe('GAE lambda (Schulman et al. 2016).'),
    whiten_advantages: z.boolean().default(true).describe('Normalise advantages to mean 0, std 1 per batch.'),
    whiten_rewards: z.boolean().default(false).describe('Normalise the per-token rewards per batch before GAE.'),
    reward_clip: z.number().positive().nullable().default(null).describe('Clip sequence scores to [-reward_clip, reward_clip]; null = no clipping.'),
    missing_eos_penalty: z.number().min(0).nullable().default(null).describe('Subtract this from the score of completions that never emit EOS.'),
    value_head: z
      .enum(VALUE_HEADS)
      .default('separate')
      .describe('separate: a value model of its own (a sequence-score model); shared: a value head on the policy\'s final hidden states (one trunk, one forward).'),
    value_model_path: z.string().nullable().default(null).describe('Initial value model (a sequence-score model); null = the reward model if any, else model.name_or_path with a fresh head.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory scoring the rollouts (or use rewards.functions).'),
    ...SamplingCorrectionFields,
  })
  .describe('Proximal policy optimisation (training.algorithm: ppo).');

export type PpoConfig = z.infer<typeof PpoConfig>;
