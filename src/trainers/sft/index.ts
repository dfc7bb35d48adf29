/**
 * Supervised fine-tuning.
 * @example
 * const result = await runSft(loadConfig('examples/configs/sft.yaml'));
 */
export { runSft, sftAlgorithm, packedSftAlgorithm } from './trainer.js';
export type { RunSftOptions } from './trainer.js';
