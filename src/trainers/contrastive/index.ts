/**
 * Contrastive sentence-embedding training (SimCLR, MoCo).
 * @example
 * const result = await runContrastive(loadConfig('examples/configs/simclr.yaml'));
 */
export { runContrastive } from './trainer.js';
export type { RunContrastiveOptions } from './trainer.js';
export { contrastiveAlgorithm } from './algorithm.js';
export type { ContrastiveExample, ContrastiveModels, ContrastiveOptions } from './algorithm.js';
export { ContrastiveHeads } from './heads.js';
export type { ContrastiveHeadsOptions } from './heads.js';
