export { Module } from './module.js';
export { Linear, Conv1D, Embedding, RMSNorm, LayerNorm } from './layers.js';
export type { LinearOptions } from './layers.js';
export { TransformerBlock } from './transformer-block.js';
export type { TransformerBlockConfig } from './transformer-block.js';
export * as F from './functional.js';
export { linearCrossEntropy, linearCrossEntropyChunkRows } from './linear-cross-entropy.js';
export type { LinearCrossEntropyOptions } from './linear-cross-entropy.js';
export { linearTokenStats, logitsTokenStats } from './token-stats.js';
export type { TokenStats } from './token-stats.js';
export { ModuleList } from './module-list.js';
export {
  applyLora, withAdaptersDisabled, mergeLora, unmergeLora, removeLora, loraLayers, loraStateDict, loraConfig, loraScaling, findLoraTargets,
  expandTargetModules, isAdaptable, LoraAdapter, LORA_DEFAULTS,
} from './lora.js';
export type { AdaptableLayer, LoraConfig, LoraOptions, LoraTargetModules, LoraLayer } from './lora.js';
export {
  saveLoraAdapter, loadLoraAdapter, readLoraAdapterConfig, peftAdapterConfig, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE,
  PEFT_KEY_PREFIX,
} from './peft.js';
export type { PeftLoraConfigJson } from './peft.js';
export type { LinearAdapter } from './layers.js';
export type { StateDict, LoadStateDictOptions, LoadStateDictResult } from './module.js';
