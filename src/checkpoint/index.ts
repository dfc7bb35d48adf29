/**
 * Checkpoints, in one place: what a checkpoint holds (contents.ts: the model or adapter, the
 * optimizer, schedule, loss scaler and RNG, the algorithm's state), atomic checkpoint-<step>
 * dirs with pruning and resume (manager.ts), and trainer_state.json (trainer-state.ts).
 */
export { CheckpointError } from './errors.js';
export { CHECKPOINT_PREFIX, CheckpointManager } from './manager.js';
export type { CheckpointManagerOptions, CheckpointRef, SaveOptions, TrainerStateInput } from './manager.js';
export { checkpointProblems, MANIFEST_FILE, validateCheckpoint, writeManifest } from './manifest.js';
export type { Manifest } from './manifest.js';
export { readTrainerState, TRAINER_STATE_FILE, writeTrainerState } from './trainer-state.js';
export type { DataPosition, TrainerState } from './trainer-state.js';
export {
  loadOptimizerState, loadRngState, loadSchedulerState, loadTrainingState, OPTIMIZER_META_FILE, OPTIMIZER_TENSORS_FILE, RNG_FILE,
  saveOptimizerState, saveRngState, saveSchedulerState, saveTrainingState, SCALER_FILE, SCHEDULER_FILE,
} from './optimizer-state.js';
export type { StatefulOptimizer, TrainingStateParts } from './optimizer-state.js';
export { ALGORITHM_STATE_FILE, loadAlgorithmState, saveAlgorithmState } from './algorithm-state.js';
export type { StatefulAlgorithm } from './algorithm-state.js';
export { loadTrainedModel, saveTrainedModel } from './model-state.js';
export { loadCheckpointContents, saveCheckpointContents, saveModelFiles } from './contents.js';
export type { CheckpointContents } from './contents.js';
