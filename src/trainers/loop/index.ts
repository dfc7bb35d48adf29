/**
 * The shared training loop.
 * @example
 * const result = await new Trainer(sftAlgorithm(model, tok, config), { training: config.training, train }).train();
 */
export { Trainer, planSteps } from './trainer.js';
export type { TrainerOptions, TrainResult, StepPlan } from './trainer.js';
export { TrainingDivergedError } from './types.js';
export type { Algorithm, LossOutput } from './types.js';
export { trainAlgorithm } from './run.js';
export type { RunOptions } from './run.js';
export { prepareRun, checkModelDtype } from './prepare.js';
export type { PreparedRun, ModelLoadOptions } from './prepare.js';
export { applyLoraFromConfig, loraOptionsOf, saveTrainedModel, loadTrainedModel } from './model-io.js';
export { BestMetricTracker } from './best-metric.js';
export { worldInfo, isMainProcess } from './world.js';
export type { WorldInfo } from './world.js';
