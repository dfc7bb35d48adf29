/**
 * Online RL: rollouts, rewards, GRPO, PPO and online DPO on one loop.
 * @example
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 */
export { runGrpo } from './run-grpo.js';
export { runPpo } from './run-ppo.js';
export { runOnlineDpo } from './run-online-dpo.js';
export { onlineDpoAlgorithm } from './online-dpo.js';
export type { OnlineDpoAlgorithmOptions, OnlineDpoBuffer } from './online-dpo.js';
export { ppoAlgorithm, scoresAtLastToken } from './ppo.js';
export type { PpoAlgorithmOptions, PpoBuffer } from './ppo.js';
export { grpoAlgorithm } from './grpo.js';
export type { GrpoAlgorithmOptions, GrpoBuffer } from './grpo.js';
export { OnlineTrainer } from './trainer.js';
export type { OnlineTrainerOptions, OnlineTrainResult, OnlineRunOptions } from './trainer.js';
export type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';
export { sampleRollout, buildBatch, sliceBatch, completionLogits, completionLogps, truncatePromptLeft } from './rollout.js';
export type { Rollout, RolloutBatch } from './rollout.js';
export { RolloutScorer } from './scorer.js';
export type { RolloutScores } from './scorer.js';
export { PolicyValueHead, policyStatsAndValues, valueCompanions } from './value.js';
export type { ValueSource } from './value.js';
export { sampleOnline, episodeMetrics, modelTokenCounts, scoredLengths } from './episode-rollout.js';
export type { EpisodeSource } from './episode-rollout.js';
export type { EpisodeStats } from './rollout.js';
