/**
 * Everything a training checkpoint holds, saved and restored in one call. A `checkpoint-<step>/`
 * directory contains:
 *
 * | what | files | written by |
 * |---|---|---|
 * | the trained model | `config.json` + `model.safetensors` (HF), or `adapter_config.json` + `adapter_model.safetensors` (PEFT, LoRA runs) | model-state.ts |
 * | its tokenizer | `tokenizer.json`, `tokenizer_config.json`, ... (copied) | tokenizers/copy-files.ts |
 * | models trained beside it | `<name>/` (e.g. PPO's `value/`), full HF models | model-state.ts |
 * | optimizer, LR schedule, loss scale, RNG | `optimizer.safetensors`, `optimizer.json`, `scheduler.json`, `scaler.json` (fp16), `rng_state.json` | optimizer-state.ts |
 * | the algorithm's own state | `algorithm_state.json` (adaptive KL coefficient, ...) | algorithm-state.ts |
 * | the file list | `manifest.json` | manifest.ts |
 * | where the run stood (written last) | `trainer_state.json` | trainer-state.ts |
 *
 * The final output dir holds the first three (saveModelFiles).
 *
 * ```ts
 * const contents: CheckpointContents = { model: { module: policy, lora: null }, optimizer, scheduler, algorithm, rngDevices: ['cpu'] };
 * checkpoints.save(step, (tmp) => saveCheckpointContents(tmp, contents), { globalStep: step });
 * loadCheckpointContents(checkpoints.resolveResume('latest').dir, contents);
 * ```
 */
import { join } from 'node:path';
import type { HfSerializable } from '../models/index.js';
import type { LoraOptions } from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { GradScaler, LrScheduler } from '../optim/index.js';
import type { Device } from '../tensor/index.js';
import { copyTokenizerFiles } from '../tokenizers/index.js';
import { loadAlgorithmState, saveAlgorithmState, type StatefulAlgorithm } from './algorithm-state.js';
import { loadTrainedModel, saveTrainedModel } from './model-state.js';
import { loadTrainingState, saveTrainingState, type StatefulOptimizer } from './optimizer-state.js';

/** The live objects whose state a checkpoint holds. */
export interface CheckpointContents {
  /** The trained model; with `lora` it is saved as a PEFT adapter. */
  model: { module: Module & HfSerializable; lora: LoraOptions | null; baseModelName?: string };
  /** Models trained beside it (a PPO value model), each saved whole in `<dir>/<name>/`. */
  companions?: Readonly<Record<string, Module & HfSerializable>>;
  /** Tokenizer directory copied next to every saved model, so each one loads on its own. */
  tokenizerDir?: string;
  optimizer: StatefulOptimizer;
  scheduler: LrScheduler;
  /** float16 loss scaling; saved when enabled. */
  scaler?: GradScaler;
  /** Devices whose generators are saved (the CPU's, and the GPU's on a GPU). */
  rngDevices: readonly Device[];
  algorithm: StatefulAlgorithm;
}

/** The model, its tokenizer and the companion models: what the final output dir holds. */
export function saveModelFiles(dir: string, c: Pick<CheckpointContents, 'model' | 'companions' | 'tokenizerDir'>): void {
  saveTrainedModel(c.model.module, dir, c.model.lora, c.model.baseModelName);
  if (c.tokenizerDir !== undefined) copyTokenizerFiles(c.tokenizerDir, dir);
  for (const [name, m] of Object.entries(c.companions ?? {})) saveTrainedModel(m, join(dir, name), null);
}

/** Writes every part of `c` into a checkpoint dir (the manager then adds manifest.json and trainer_state.json). */
export function saveCheckpointContents(dir: string, c: CheckpointContents): void {
  saveModelFiles(dir, c);
  saveTrainingState(dir, { optimizer: c.optimizer, scheduler: c.scheduler, ...(c.scaler === undefined ? {} : { scaler: c.scaler }), rngDevices: c.rngDevices });
  saveAlgorithmState(dir, c.algorithm);
}

/** Restores every part of `c` from a checkpoint dir: models, then optimizer, schedule, scaler and RNG, then the algorithm. */
export function loadCheckpointContents(dir: string, c: CheckpointContents): void {
  loadTrainedModel(c.model.module, dir);
  for (const [name, m] of Object.entries(c.companions ?? {})) loadTrainedModel(m, join(dir, name));
  loadTrainingState(dir, { optimizer: c.optimizer, scheduler: c.scheduler, ...(c.scaler === undefined ? {} : { scaler: c.scaler }) });
  loadAlgorithmState(dir, c.algorithm);
}
