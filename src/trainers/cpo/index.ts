/**
 * Contrastive preference optimisation and SimPO (TRL CPOTrainer semantics).
 * @example
 * const result = await runCpo(loadConfig('examples/configs/cpo.yaml'));
 */
export { runCpo, cpoAlgorithm } from './trainer.js';
export type { CpoAlgorithmOptions } from './trainer.js';
