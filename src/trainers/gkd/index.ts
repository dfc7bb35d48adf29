/**
 * Generalised knowledge distillation, on-policy (TRL GKDTrainer semantics).
 * @example
 * const result = await runGkd(loadConfig('examples/configs/gkd.yaml'));
 */
export { runGkd, gkdAlgorithm } from './trainer.js';
export type { GkdAlgorithmOptions, GkdSource } from './trainer.js';
export { OnPolicySchedule } from './on-policy.js';
export { checkSharedVocabulary } from './teacher.js';
export { lastTurnExample } from './examples.js';
