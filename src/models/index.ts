/** Decoder language models with Hugging Face interop. */
export { CausalLM } from './causal-lm.js';
export { DecoderModel, DecoderLayer } from './decoder.js';
export { DecoderKvCache } from './cache.js';
export { decoderConfig, parseHfConfig, toHfConfig, MODEL_TYPES } from './config.js';
export type { DecoderConfig, ModelType, RopeScaling } from './config.js';
export { RotaryEmbedding, applyRotary } from './rope.js';
export { fromPretrained, savePretrained, readConfig, readGenerationConfig, loadPretrainedWeights } from './pretrained.js';
export type { FromPretrainedOptions, SavePretrainedOptions, LoadWeightsOptions } from './pretrained.js';
export type { CausalLm, CausalLmInput, CausalLmOutput, KvCache } from './types.js';
export { SequenceScoreModel } from './reward-model.js';
export type { SequenceScoreOptions } from './reward-model.js';
export { ValueHead, RegressionHead, pool } from './heads.js';
export type { Pooling } from './heads.js';
