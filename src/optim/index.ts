/** Optimizers, gradient clipping, learning-rate schedules and loss scaling. */
export { Optimizer, tensorField, numberField } from './optimizer.js';
export type { OptimizerOptions, ParamGroup, ParamGroupInput, ParamState, OptimizerStateDict, OptimizerLike } from './optimizer.js';
export { Adam, ADAM_DEFAULTS, adamUpdate } from './adam.js';
export type { AdamOptions, AdamState, WeightDecayMode } from './adam.js';
export { AdamW, ADAMW_DEFAULTS } from './adamw.js';
export { SGD, SGD_DEFAULTS } from './sgd.js';
export type { SgdOptions, SgdState } from './sgd.js';
export { clipGradNorm } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
export { constantSchedule, constantWithWarmup, linearWithWarmup, cosineWithWarmup, makeSchedule } from './schedules.js';
export type { Schedule, ScheduleConfig, WarmupOptions, DecayOptions, CosineOptions } from './schedules.js';
export { LrScheduler } from './lr-scheduler.js';
export type { LrSchedulerStateDict } from './lr-scheduler.js';
export { GradScaler } from './grad-scaler.js';
export type { GradScalerOptions, GradScalerStateDict } from './grad-scaler.js';
export { splitStateDict, joinStateDict } from './state-files.js';
export type { OptimizerStateMeta } from './state-files.js';
