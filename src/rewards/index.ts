/** Reward functions for PPO/GRPO: built-ins, user modules, weighted sums. */
export { BUILTIN_REWARDS, lastNumber } from './builtins.js';
export type { BuiltinOptions } from './builtins.js';
export { loadRewardFunctions, scoreWithFunctions } from './registry.js';
export type { RewardFunctionEntry, ScoredBatch } from './registry.js';
export type { RewardInput, RewardFunction, NamedReward } from './types.js';
