/**
 * Text generation over a CausalLm: greedy and sampled decoding with HF transformers'
 * generate() semantics, its logits processors as pure tensor functions, and the config.
 * See docs/generation.md.
 */
export { generate } from './generate.js';
export { generateContinuous } from './continuous.js';
export type { ContinuousOptions } from './continuous.js';
export { GENERATION_DEFAULTS, resolveGenerationConfig, fromHfGenerationConfig } from './config.js';
export type { GenerationConfig } from './config.js';
export type { GenerateOptions, GenerationResult, FinishReason, TokenCallback } from './types.js';
export { applyRepetitionPenalty, suppressTokens, enforceMinNewTokens } from './processors.js';
export { applyTemperature, topKFilter, topPFilter } from './warpers.js';
export { processScores, chooseTokens } from './pipeline.js';
export type { StepContext } from './pipeline.js';
export { leftPad, positionIdsFromMask } from './padding.js';
export type { PaddedBatch } from './padding.js';
export { StopStringMatcher } from './stop-strings.js';
export type { Decode } from './stop-strings.js';
export { generationSettings, generationOf } from './settings.js';
