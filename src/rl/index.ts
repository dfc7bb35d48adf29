/**
 * Pure tensor-in/tensor-out RL math: log-probs, masked statistics and the losses of
 * reward modelling, DPO, GRPO and PPO (clipped losses, GAE), KL estimators, group advantages,
 * entropy. See docs/rl.md for each equation.
 */
export { assertShape, assertVector } from './shapes.js';
export { maskedSum, maskedMean, maskedVar, maskedWhiten } from './masked.js';
export type { MaskedReduceOptions } from './masked.js';
export { selectiveLogSoftmax, sequenceLogprobs } from './logprobs.js';
export type { SequenceLogprobs } from './logprobs.js';
export { dpoLoss, DPO_LOSS_TYPES } from './dpo.js';
export type { DpoLossType, DpoInputs, DpoOptions, DpoOutput } from './dpo.js';
export { DPO_LOSSES, DPO_LABEL_SMOOTHING_TYPES } from './dpo-losses.js';
export type { DpoLossSpec, PairTerms } from './dpo-losses.js';
export { orpoOddsRatioLoss, log1mexp } from './orpo.js';
export type { OrpoInputs, OrpoOutput } from './orpo.js';
export { cpoLoss, CPO_LOSS_TYPES, CPO_LENGTH_NORMALISED } from './cpo.js';
export type { CpoLossType, CpoInputs, CpoOptions, CpoOutput } from './cpo.js';
export { ktoLoss, ktoReferencePoint, KTO_LOSS_TYPES, KTO_KL_LOSS_TYPES } from './kto.js';
export type { KtoLossType, KtoInputs, KtoOptions, KtoOutput } from './kto.js';
export { rewardModelLoss } from './reward.js';
export type { RewardLossOptions, RewardLossOutput } from './reward.js';
export { grpoLoss, GRPO_LOSS_TYPES, IMPORTANCE_SAMPLING_LEVELS } from './grpo.js';
export type { GrpoLossType, ImportanceSamplingLevel, GrpoInputs, GrpoOptions, GrpoOutput } from './grpo.js';
export { GRPO_ADVANTAGE_TYPES, SCALE_REWARDS, groupAdvantages, grpoAdvantages, rankAdvantages, rlooAdvantages } from './advantages.js';
export type { AdvantageType, ScaleRewards } from './advantages.js';
export { KL_ESTIMATORS, KL_PENALTIES, klEstimate, AdaptiveKlController } from './kl.js';
export type { KlEstimator, KlPenalty } from './kl.js';
export { ppoPolicyLoss, ppoValueLoss, explainedVariance } from './ppo.js';
export type { PpoPolicyInputs, PpoPolicyOutput, PpoValueInputs } from './ppo.js';
export { entropyFromLogits } from './entropy.js';
export { gae } from './gae.js';
export { sftLossSum } from './sft.js';
export { onlineDpoLoss, penalizeMissingEos, choosePairs, ONLINE_DPO_LOSS_TYPES, ONLINE_DPO_METRICS } from './online-dpo.js';
export type { OnlineDpoLossType, OnlineDpoMetric, OnlineDpoInputs, OnlineDpoOutput } from './online-dpo.js';
export { generalizedJsd, generalizedJsdLoss, JSD_REDUCTIONS } from './jsd.js';
export type { GeneralizedJsdOptions, GeneralizedJsdLossOptions, JsdReduction } from './jsd.js';
export { IMPORTANCE_SAMPLING_MODES, samplingImportanceRatio, isSequenceLevel } from './importance-sampling.js';
export type { ImportanceSamplingMode, SamplingCorrectionOptions, SamplingCorrection } from './importance-sampling.js';
export { rlooTrlAdvantages, rlooLoss } from './rloo.js';
export type { RlooAdvantageOptions, RlooLossInputs, RlooLossOutput } from './rloo.js';
export {
  REINFORCE_ADVANTAGE_ESTIMATORS, WHITENED_ESTIMATORS, reinforceAdvantages, shapedRewards, tokenRewards, cumulativeReturns, whitenOverStep,
} from './reinforce.js';
export type { ReinforceAdvantageEstimator, ReinforceInputs, ReinforceOptions } from './reinforce.js';
