export { Module } from './module.js';
export { Linear, Embedding, RMSNorm, LayerNorm } from './layers.js';
export type { LinearOptions } from './layers.js';
export { TransformerBlock } from './transformer-block.js';
export type { TransformerBlockConfig } from './transformer-block.js';
export * as F from './functional.js';
