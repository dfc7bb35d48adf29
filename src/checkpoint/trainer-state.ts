/**
 * `trainer_state.json`: where a run stood when a checkpoint was written. The manager writes it
 * last, so its presence marks a complete checkpoint. Keys are snake_case as in transformers'
 * trainer_state.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TRAINER_STATE_FILE = 'trainer_state.json';

/** Where the data loader stood, so a resumed run skips what it already trained on. */
export interface DataPosition {
  epoch: number;
  /** Batches already consumed in `epoch`. */
  batchIndex: number;
  /** Shuffle seed of the sampler, if any. */
  seed?: number;
}

export interface TrainerState {
  /** Optimizer steps taken. */
  globalStep: number;
  /** Fractional epochs done. */
  epoch: number;
  /** Best value of the tracked eval metric so far, or null. */
  bestMetric: number | null;
  /** Directory name of the best checkpoint (e.g. `checkpoint-300`), or null. */
  bestCheckpoint: string | null;
  /** A summary of the logged metrics (e.g. the last few rows of metrics.jsonl). */
  logHistory: Array<Record<string, number | null>>;
  dataPosition: DataPosition | null;
  /** Evaluations since metric_for_best_model last improved (early stopping). */
  evalsSinceImprovement?: number;
}

interface TrainerStateJson {
  global_step: number;
  epoch: number;
  best_metric: number | null;
  best_model_checkpoint: string | null;
  log_history: Array<Record<string, number | null>>;
  data_position: { epoch: number; batch_index: number; seed?: number } | null;
  early_stopping_patience_counter?: number;
}

/** Writes `<dir>/trainer_state.json`. */
export function writeTrainerState(dir: string, state: TrainerState): void {
  const json: TrainerStateJson = {
    global_step: state.globalStep,
    epoch: state.epoch,
    best_metric: state.bestMetric,
    best_model_checkpoint: state.bestCheckpoint,
    log_history: state.logHistory,
    data_position: state.dataPosition === null
      ? null
      : { epoch: state.dataPosition.epoch, batch_index: state.dataPosition.batchIndex, ...(state.dataPosition.seed === undefined ? {} : { seed: state.dataPosition.seed }) },
    ...(state.evalsSinceImprovement === undefined ? {} : { early_stopping_patience_counter: state.evalsSinceImprovement }),
  };
  writeFileSync(join(dir, TRAINER_STATE_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads `<dir>/trainer_state.json`; throws (SyntaxError / ENOENT) if absent or not JSON. */
export function readTrainerState(dir: string): TrainerState {
  const json = JSON.parse(readFileSync(join(dir, TRAINER_STATE_FILE), 'utf8')) as Partial<TrainerStateJson>;
  if (typeof json.global_step !== 'number') throw new SyntaxError(`${join(dir, TRAINER_STATE_FILE)}: global_step is missing or not a number`);
  const pos = json.data_position ?? null;
  return {
    globalStep: json.global_step,
    epoch: json.epoch ?? 0,
    bestMetric: json.best_metric ?? null,
    bestCheckpoint: json.best_model_checkpoint ?? null,
    logHistory: json.log_history ?? [],
    dataPosition: pos === null ? null : { epoch: pos.epoch, batchIndex: pos.batch_index, ...(pos.seed === undefined ? {} : { seed: pos.seed }) },
    ...(json.early_stopping_patience_counter === undefined ? {} : { evalsSinceImprovement: json.early_stopping_patience_counter }),
  };
}
