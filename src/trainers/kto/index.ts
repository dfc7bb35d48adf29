/**
 * Kahneman-Tversky optimisation on unpaired preference data (TRL KTOTrainer semantics).
 * @example
 * const result = await runKto(loadConfig('examples/configs/kto.yaml'));
 */
export { runKto, ktoAlgorithm, ktoMetrics, ktoWeightAdvice, precomputeKtoReferenceLogps } from './trainer.js';
export type { KtoAlgorithmOptions } from './trainer.js';
