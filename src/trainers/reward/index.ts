/**
 * Reward-model training (Bradley-Terry on chosen/rejected pairs).
 * @example
 * const result = await runReward(loadConfig('examples/configs/reward.yaml'));
 */
export { runReward, rewardAlgorithm, rewardAccuracy } from './trainer.js';
export type { RunRewardOptions, RewardAlgorithmOptions } from './trainer.js';
