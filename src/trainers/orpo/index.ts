/**
 * Odds ratio preference optimisation (TRL ORPOTrainer semantics).
 * @example
 * const result = await runOrpo(loadConfig('examples/configs/orpo.yaml'));
 */
export { runOrpo, orpoAlgorithm } from './trainer.js';
export type { OrpoAlgorithmOptions } from './trainer.js';
