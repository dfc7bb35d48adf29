/** rlhf-ts: training and post-training of language models in TypeScript over libtorch. */
export * from './tensor/index.js';
export * as F from './nn/functional.js';
