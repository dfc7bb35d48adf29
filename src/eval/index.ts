/** Evaluation: automatic metrics (src/eval/metrics). */
export * from './metrics/index.js';
