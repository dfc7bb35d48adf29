/**
 * Direct preference optimisation (TRL DPOTrainer semantics).
 * @example
 * const result = await runDpo(loadConfig('examples/configs/dpo.yaml'));
 */
export { runDpo, dpoAlgorithm, checkDpoLossType, precomputeReferenceLogps } from './trainer.js';
export type { RunDpoOptions, DpoAlgorithmOptions, DpoReference } from './trainer.js';
