/**
 * The offline training loop, and the run skeleton (runSession) it shares with the online one.
 * @example
 * const result = await new Trainer(sftAlgorithm(model, tok, config), { training: config.training, train }).train();
 */
export { Trainer, planSteps } from './trainer.js';
export type { ExampleSource, TrainerOptions, TrainResult, StepPlan } from './trainer.js';
export { TrainingDivergedError } from './types.js';
export type { Algorithm, LossOutput } from './types.js';
export { trainAlgorithm } from './run.js';
export type { RunOptions } from './run.js';
export { prepareRun, checkModelDtype } from './prepare.js';
export type { PreparedRun, ModelLoadOptions } from './prepare.js';
export { applyLoraFromConfig, loraOptionsOf } from './lora-config.js';
export { logDirOf, runSession } from './run-session.js';
export type { LoopEnd, RunContext, RunLogging, RunSpec } from './run-session.js';
export { OUTPUT_LOCK_FILE, OutputDirLock, OutputDirLockedError } from './output-lock.js';
export type { LockHolder } from './output-lock.js';
export { BestMetricTracker } from './best-metric.js';
export { loadReferencePolicy, freezeReference, withReference, releaseReference } from './reference.js';
export type { ReferencePolicy, ReferenceChoice } from './reference.js';
