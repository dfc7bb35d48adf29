/** Checkpoints: atomic checkpoint-<step> dirs, pruning, resume, and optimizer/scheduler/RNG state files. */
export { CheckpointError } from './errors.js';
export { CHECKPOINT_PREFIX, CheckpointManager } from './manager.js';
export type { CheckpointManagerOptions, CheckpointRef, SaveOptions, TrainerStateInput } from './manager.js';
export { checkpointProblems, MANIFEST_FILE, validateCheckpoint, writeManifest } from './manifest.js';
export type { Manifest } from './manifest.js';
export { readTrainerState, TRAINER_STATE_FILE, writeTrainerState } from './trainer-state.js';
export type { DataPosition, TrainerState } from './trainer-state.js';
export {
  loadOptimizerState, loadRngState, loadSchedulerState, loadTrainingState, OPTIMIZER_META_FILE, OPTIMIZER_TENSORS_FILE, RNG_FILE,
  saveOptimizerState, saveRngState, saveSchedulerState, saveTrainingState, SCHEDULER_FILE,
} from './training-state.js';
export type { StatefulOptimizer, TrainingStateParts } from './training-state.js';
