/**
 * Pure tensor-in/tensor-out RL math: log-probs, masked statistics and the losses of
 * reward modelling, DPO, GRPO and PPO (GAE). See docs/rl.md for each equation.
 */
export { assertShape, assertVector } from './shapes.js';
export { maskedSum, maskedMean, maskedVar, maskedWhiten } from './masked.js';
export type { MaskedReduceOptions } from './masked.js';
export { selectiveLogSoftmax, sequenceLogprobs } from './logprobs.js';
export type { SequenceLogprobs } from './logprobs.js';
export { dpoLoss, DPO_LOSS_TYPES } from './dpo.js';
export type { DpoLossType, DpoInputs, DpoOptions, DpoOutput } from './dpo.js';
export { rewardModelLoss } from './reward.js';
export type { RewardLossOptions, RewardLossOutput } from './reward.js';
export { grpoAdvantages, grpoLoss, GRPO_LOSS_TYPES } from './grpo.js';
export type { ScaleRewards, GrpoLossType, GrpoInputs, GrpoOptions, GrpoOutput } from './grpo.js';
export { gae } from './gae.js';
export { sftLossSum } from './sft.js';
