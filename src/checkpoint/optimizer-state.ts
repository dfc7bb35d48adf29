/**
 * Optimizer, LR scheduler, loss scaler and RNG state in a checkpoint dir, so a resumed run continues
 * bit-exactly:
 *
 * - `optimizer.safetensors` + `optimizer.json`: the optimizer's stateDict through splitStateDict
 * - `scheduler.json`: the LrScheduler's stateDict
 * - `rng_state.json`: getRngState bytes per device, base64
 * - `scaler.json`: the GradScaler's stateDict (float16 runs only)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../io/index.js';
import { joinStateDict, splitStateDict, type GradScaler, type GradScalerStateDict, type LrScheduler, type LrSchedulerStateDict, type OptimizerOptions, type OptimizerStateDict, type OptimizerStateMeta } from '../optim/index.js';
import { dispose, getRngState, setRngState, type Device } from '../tensor/index.js';
import { CheckpointError } from './errors.js';

export const OPTIMIZER_TENSORS_FILE = 'optimizer.safetensors';
export const OPTIMIZER_META_FILE = 'optimizer.json';
export const SCHEDULER_FILE = 'scheduler.json';
export const RNG_FILE = 'rng_state.json';
export const SCALER_FILE = 'scaler.json';

/** What these helpers need of an optimizer (every Optimizer subclass). */
export interface StatefulOptimizer<O extends OptimizerOptions = OptimizerOptions> {
  stateDict(options?: { copy?: boolean }): OptimizerStateDict<O>;
  loadStateDict(dict: OptimizerStateDict<O>): void;
  /** A sharded optimizer (ZeRO-1) gathers its state on rank 0 here; every rank calls it before rank 0 saves. */
  consolidateStateDict?(): void;
  /** Frees what consolidateStateDict gathered, once saved. */
  releaseConsolidatedState?(): void;
}

export function saveOptimizerState(dir: string, optimizer: StatefulOptimizer): void {
  // The optimizer's own tensors, written straight from their memory: no second copy of the state.
  const { tensors, meta } = splitStateDict(optimizer.stateDict({ copy: false }));
  saveSafetensors(join(dir, OPTIMIZER_TENSORS_FILE), tensors);
  writeFileSync(join(dir, OPTIMIZER_META_FILE), `${JSON.stringify(meta)}\n`);
}

export function loadOptimizerState(dir: string, optimizer: StatefulOptimizer): void {
  const missing = [OPTIMIZER_TENSORS_FILE, OPTIMIZER_META_FILE].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) throw new CheckpointError(dir, missing.map((f) => `missing ${f}`), 'the optimizer state cannot be restored');
  const meta = JSON.parse(readFileSync(join(dir, OPTIMIZER_META_FILE), 'utf8')) as OptimizerStateMeta;
  // Read, not mapped: every moment is rewritten each step, so a mapping would only add a
  // copy-on-write fault per page.
  const tensors = loadSafetensors(join(dir, OPTIMIZER_TENSORS_FILE), { mmap: false });
  try {
    optimizer.loadStateDict(joinStateDict(tensors, meta));
  } finally {
    dispose([...tensors.values()]);
  }
}

export function saveSchedulerState(dir: string, scheduler: LrScheduler): void {
  writeFileSync(join(dir, SCHEDULER_FILE), `${JSON.stringify(scheduler.stateDict())}\n`);
}

export function loadSchedulerState(dir: string, scheduler: LrScheduler): void {
  const path = join(dir, SCHEDULER_FILE);
  if (!existsSync(path)) throw new CheckpointError(dir, [`missing ${SCHEDULER_FILE}`], 'the LR scheduler state cannot be restored');
  scheduler.loadStateDict(JSON.parse(readFileSync(path, 'utf8')) as LrSchedulerStateDict);
}

/** Saves the generator state of each device (default: cpu only) as base64. */
export function saveRngState(dir: string, devices: readonly Device[] = ['cpu']): void {
  const json: Record<string, string> = {};
  for (const device of devices) json[device] = Buffer.from(getRngState(device)).toString('base64');
  writeFileSync(join(dir, RNG_FILE), `${JSON.stringify(json)}\n`);
}

/** Restores every device's generator saved by saveRngState. */
export function loadRngState(dir: string): void {
  const path = join(dir, RNG_FILE);
  if (!existsSync(path)) throw new CheckpointError(dir, [`missing ${RNG_FILE}`], 'the random number generators cannot be restored');
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  for (const [device, b64] of Object.entries(json)) setRngState(new Uint8Array(Buffer.from(b64, 'base64')), device as Device);
}

export interface TrainingStateParts {
  optimizer?: StatefulOptimizer;
  scheduler?: LrScheduler;
  /** Saved when enabled (training.fp16); a checkpoint without one resumes at the scaler's initial scale. */
  scaler?: GradScaler;
  /** Devices whose RNG state to save; [] saves none. Default ['cpu']. */
  rngDevices?: readonly Device[];
}

/** Saves whichever of optimizer, scheduler and RNG state is given. */
export function saveTrainingState(dir: string, parts: TrainingStateParts): void {
  if (parts.optimizer !== undefined) saveOptimizerState(dir, parts.optimizer);
  if (parts.scheduler !== undefined) saveSchedulerState(dir, parts.scheduler);
  if (parts.scaler?.enabled === true) writeFileSync(join(dir, SCALER_FILE), `${JSON.stringify(parts.scaler.stateDict())}\n`);
  const devices = parts.rngDevices ?? ['cpu'];
  if (devices.length > 0) saveRngState(dir, devices);
}

/** Restores what saveTrainingState wrote: the optimizer first, then the scheduler (which sets lr), then RNG. */
export function loadTrainingState(dir: string, parts: Omit<TrainingStateParts, 'rngDevices'> & { rng?: boolean }): void {
  if (parts.optimizer !== undefined) loadOptimizerState(dir, parts.optimizer);
  if (parts.scheduler !== undefined) loadSchedulerState(dir, parts.scheduler);
  const scalerPath = join(dir, SCALER_FILE);
  if (parts.scaler?.enabled === true && existsSync(scalerPath)) {
    parts.scaler.loadStateDict(JSON.parse(readFileSync(scalerPath, 'utf8')) as GradScalerStateDict);
  }
  if (parts.rng ?? true) loadRngState(dir);
}
