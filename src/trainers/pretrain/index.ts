/**
 * Pretraining from raw text: causal LM (pretrain).
 * @example
 * const result = await runPretrain(loadConfig('examples/configs/pretrain.yaml'));
 */
export { runPretrain } from './trainer.js';
export type { RunPretrainOptions } from './trainer.js';
