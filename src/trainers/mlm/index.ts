/**
 * Masked language modelling (+ next-sentence prediction) on BERT-family encoders and decoders in encoder mode.
 * @example
 * const result = await runMlm(loadConfig('examples/configs/mlm.yaml'));
 */
export { runMlm } from './trainer.js';
export type { RunMlmOptions } from './trainer.js';
export { mlmAlgorithm } from './algorithm.js';
export type { MlmExample, MlmOptions } from './algorithm.js';
