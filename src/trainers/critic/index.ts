/**
 * Critic warm-up: a value model learns to score teacher responses above the frozen actor's own.
 * @example
 * const result = await runCritic(loadConfig('examples/configs/critic.yaml'));
 */
export { runCritic } from './run.js';
export { criticAlgorithm } from './algorithm.js';
export type { CriticAlgorithmOptions } from './algorithm.js';
