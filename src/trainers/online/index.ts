/**
 * Online RL: rollouts, rewards, GRPO and PPO on one loop.
 * @example
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 */
export { runGrpo } from './run-grpo.js';
export { runPpo } from './run-ppo.js';
export { ppoAlgorithm, scoresAtLastToken } from './ppo.js';
export type { PpoAlgorithmOptions, PpoBuffer } from './ppo.js';
export { klEstimate, AdaptiveKlController } from './kl.js';
export type { KlEstimator } from './kl.js';
export { grpoAlgorithm } from './grpo.js';
export type { GrpoAlgorithmOptions, GrpoBuffer, PolicyReference } from './grpo.js';
export { groupAdvantages } from './advantages.js';
export type { AdvantageType } from './advantages.js';
export { OnlineTrainer } from './trainer.js';
export type { OnlineTrainerOptions, OnlineTrainResult, OnlineRunOptions } from './trainer.js';
export type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';
export { sampleRollout, buildBatch, sliceBatch, completionLogits, completionLogps, entropyFromLogits } from './rollout.js';
export type { Rollout, RolloutBatch } from './rollout.js';
export { RolloutScorer } from './scorer.js';
export type { RolloutScores } from './scorer.js';
export { PolicyValueHead, logitsAndValues, valueCompanions } from './value.js';
export type { ValueSource } from './value.js';
