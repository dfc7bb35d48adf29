/** `reinforce_pp:` — REINFORCE++ with OpenRLHF's argument names and defaults. */
import { z } from 'zod';
import { KL_ESTIMATORS } from '../../rl/kl.js';
import { REINFORCE_ADVANTAGE_ESTIMATORS } from '../../rl/reinforce.js';
import { SamplingCorrectionFields } from './sampling-correction.js';

export const ReinforcePpConfig = z
  .strictObject({
    advantage_estimator: z
      .enum(REINFORCE_ADVANTAGE_ESTIMATORS)
      .default('reinforce')
      .describe('reinforce: REINFORCE++ (raw reward); reinforce_baseline: minus the mean reward of the prompt\'s samples; rloo: minus the mean of the other samples (not whitened).'),
    n_samples_per_prompt: z.number().int().positive().default(1).describe('Completions sampled per prompt (>= 2 for reinforce_baseline and rloo).'),
    init_kl_coef: z.number().min(0).default(0.01).describe('beta of the per-token -beta x KL reward to the reference; 0 = no reference model is loaded.'),
    kl_estimator: z.enum(KL_ESTIMATORS).default('k1').describe('Per-token KL estimate: k1 = log p - log q, k2 = (log p - log q)^2 / 2, k3 = e^(log q - log p) - (log q - log p) - 1.'),
    gamma: z.number().min(0).max(1).default(1).describe('Discount of the cumulative returns (must be 1 for reinforce_baseline and rloo).'),
    eps_clip: z.number().positive().default(0.2).describe('Clip epsilon of the per-token policy ratio.'),
    max_epochs: z.number().int().positive().default(1).describe('Optimisation passes (optimizer steps) over each batch of rollouts.'),
    no_advantage_std_norm: z.boolean().default(false).describe('Whiten the advantages by the mean only, without dividing by the std.'),
    reward_clip_range: z.tuple([z.number(), z.number()]).nullable().default(null).describe('Clamp the sequence reward to [low, high] before it is placed on the last token; null = no clipping.'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory; null = reward functions only (see rewards:).'),
    ...SamplingCorrectionFields,
  })
  .describe('REINFORCE++ (training.algorithm: reinforce_pp): a critic-free PPO-clip on whitened token-level returns. per_device_train_batch_size counts completions.');

export type ReinforcePpConfig = z.infer<typeof ReinforcePpConfig>;
