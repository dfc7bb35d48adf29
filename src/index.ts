/** rlhf-ts: training and post-training of language models in TypeScript over libtorch. */
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './io/index.js';
export * from './optim/index.js';
export * from './models/index.js';
export * from './tokenizers/index.js';
export * from './generation/index.js';
export * from './data/index.js';
export { RunConfig, loadConfig, parseConfig, ConfigError, writeResolvedConfig, documentedYaml, runConfigJsonSchema } from './config/index.js';
export type { RunConfigInput } from './config/index.js';
export * from './rl/index.js';
export * from './monitor/index.js';
export * from './trainers/checkpoint/index.js';
export * from './trainers/loop/index.js';
export * from './trainers/sft/index.js';
export * from './trainers/reward/index.js';
export * from './trainers/dpo/index.js';
