/**
 * Reward-model training (Bradley-Terry on chosen/rejected pairs).
 * @example
 * const result = await runReward(loadConfig('examples/configs/reward.yaml'));
 */
export { runReward, rewardAlgorithm, rewardAccuracy, loadRewardExamples } from './trainer.js';
export type { RunRewardOptions, RewardAlgorithmOptions } from './trainer.js';
export { scoreResponses, scorePairs } from './score.js';
export type { ScoreOptions, PairScores } from './score.js';
