/**
 * Process reward models: stepwise (per-step labels on text) and latent (latent sequences with a score).
 * @example
 * const result = await runPrm(loadConfig('examples/configs/prm.yaml'));
 */
export { runPrm } from './run.js';
export { stepwisePrmAlgorithm } from './stepwise.js';
export { latentPrmAlgorithm } from './latent.js';
