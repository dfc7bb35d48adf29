/** `reward:` — outcome reward model on preference pairs. */
import { z } from 'zod';

export const RewardConfig = z
  .strictObject({
    use_margin: z.boolean().default(false).describe("Subtract each pair's margin inside the Bradley-Terry loss (Llama 2, eq. 2)."),
    center_rewards_coefficient: z
      .number()
      .min(0)
      .default(0)
      .describe('Weight of a penalty on mean(r)^2 that keeps rewards centred near 0 (0 = off).'),
  })
  .describe('Reward-model training on chosen/rejected pairs (training.algorithm: reward).');

export type RewardConfig = z.infer<typeof RewardConfig>;
