/**
 * Online RL: rollouts, rewards, GRPO, PPO, online DPO, RLOO and REINFORCE++ on one loop.
 * @example
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 */
export { runGrpo } from './run-grpo.js';
export { runPpo } from './run-ppo.js';
export { runOnlineDpo } from './run-online-dpo.js';
export { onlineDpoAlgorithm } from './online-dpo.js';
export type { OnlineDpoAlgorithmOptions, OnlineDpoBuffer } from './online-dpo.js';
export { runRloo } from './run-rloo.js';
export { runReinforcePp } from './run-reinforce-pp.js';
export { rlooAlgorithm } from './rloo.js';
export type { RlooAlgorithmOptions, RlooBuffer } from './rloo.js';
export { reinforcePpAlgorithm } from './reinforce-pp.js';
export type { ReinforcePpAlgorithmOptions, ReinforcePpBuffer } from './reinforce-pp.js';
export { sampleAndScoreGroups } from './group-rollout.js';
export type { GroupRollout, GroupRolloutOptions, RolloutSampler } from './group-rollout.js';
export { samplingCorrection, samplingCorrectionOf } from './sampling-correction.js';
export type { SamplingCorrectionSettings } from './sampling-correction.js';
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
