/** Decoder language models with Hugging Face interop. */
export { CausalLM } from './causal-lm.js';
export { DecoderModel, DecoderLayer } from './decoder.js';
export { DecoderKvCache } from './cache.js';
export { decoderConfig, parseHfConfig, toHfConfig, MODEL_TYPES } from './config.js';
export type { DecoderConfig, ModelType, RopeScaling } from './config.js';
export { RotaryEmbedding } from './rope.js';
/** x·cos + rotate_half(x)·sin for x (B, heads, T, d) and tables (B, T, d): F.rotaryEmbedding. */
export { rotaryEmbedding as applyRotary } from '../nn/functional.js';
export { fromPretrained, savePretrained, readConfig, readRawConfig, readGenerationConfig, loadPretrainedWeights } from './pretrained.js';
export type { FromPretrainedOptions, SavePretrainedOptions, LoadWeightsOptions, HfSerializable } from './pretrained.js';
export type { CausalLm, CausalLmInput, CausalLmOutput, KvCache, KvCacheOptions } from './types.js';
export { SequenceScoreModel } from './reward-model.js';
export type { SequenceScoreOptions } from './reward-model.js';
export { ValueHead, RegressionHead, pool } from './heads.js';
export type { Pooling } from './heads.js';
export { loadCausalLm, CAUSAL_LM_TYPES } from './auto.js';
export type { LoadCausalLmOptions, PretrainedCausalLm } from './auto.js';
export { Gpt2LMHeadModel, Gpt2Model } from './gpt2/model.js';
export { Conv1D } from '../nn/layers.js';
export { gpt2Config, parseGpt2Config } from './gpt2/config.js';
export type { Gpt2Config } from './gpt2/config.js';
export { gpt2FromPretrained } from './gpt2/pretrained.js';
export { TokenClassifierModel } from './token-classifier.js';
export { LatentPrmModel, LATENT_PRM_ARCHITECTURE } from './latent-prm.js';
export type { LatentPrmOptions } from './latent-prm.js';
export { causalLmLossSum, causalLmSequenceLogprobs, causalLmCompletionLogps, causalLmCompletionStats } from './lm-loss.js';
export type { CompletionStats } from './lm-loss.js';
export type { FusableHeadLm } from './types.js';
