/** `rewards:` — what scores PPO/GRPO completions: reward functions and/or a reward model. */
import { z } from 'zod';

export const RewardFunctionEntry = z.strictObject({
  name: z.string().nullable().default(null).describe('A built-in: exact_match, numeric_match, format, length_penalty (give name or module).'),
  module: z.string().nullable().default(null).describe('Path of an ES module exporting a reward function (input) => number (give name or module).'),
  export: z.string().default('default').describe("The module's export to call."),
  weight: z.number().default(1).describe('Weight of this function in the summed reward.'),
  pattern: z.string().optional().describe('format: regular expression the completion must match.'),
  target_length: z.number().int().min(0).optional().describe('length_penalty: tokens allowed before the penalty starts.'),
  per_token: z.number().min(0).optional().describe('length_penalty: reward lost per extra token.'),
  tolerance: z.number().min(0).optional().describe('numeric_match: absolute tolerance.'),
});

export const RewardsConfig = z
  .strictObject({
    functions: z.array(RewardFunctionEntry).default([]).describe('Rule-based or user reward functions, summed with their weights.'),
    reward_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Reward model directory (sequence score head) whose score is added; ppo.reward_model_path / grpo.reward_model_path / online_dpo.reward_model_path also set it.'),
    reward_model_weight: z.number().default(1).describe("Weight of the reward model's score in the sum."),
  })
  .describe('Rewards for online RL (ppo, grpo, online_dpo): reward functions plus an optional reward model.');

export type RewardsConfig = z.infer<typeof RewardsConfig>;
