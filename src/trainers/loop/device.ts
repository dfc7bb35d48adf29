/**
 * Where a training run lives (training.device) and which autocast it uses (bf16 / fp16).
 *
 * ```ts
 * export const runSft = onTrainingDevice(trainSft); // models, batches and optimizer state on training.device
 * ```
 */
import type { RunConfig, TrainingConfig } from '../../config/index.js';
import { checkDevice, cuda, withDefaultDevice, type Device, type DType } from '../../tensor/index.js';

/**
 * training.device made concrete. 'auto' is `auto` when given (the Trainer passes the model's
 * device, so a model built by hand trains where it is), else the first CUDA device when there
 * is one, else the CPU.
 */
export function resolveTrainingDevice(t: Pick<TrainingConfig, 'device' | 'fp16'>, auto?: Device): Device {
  const named = t.device === 'auto' ? (auto ?? (cuda.isAvailable() ? 'cuda:0' : 'cpu')) : checkDevice(t.device, 'training.device');
  const device = named === 'cuda' ? 'cuda:0' : named; // one name per device, as tensors report it
  if (t.fp16 && device === 'cpu') {
    const why = t.device === 'cpu' ? "training.device is 'cpu'" : auto === undefined ? 'this libtorch sees no CUDA device' : 'the model is on the CPU';
    throw new Error(`training.fp16 needs a CUDA device, but ${why}; on the CPU set training.bf16: true instead (or build against a CUDA libtorch)`);
  }
  return device;
}

/** The autocast a run's forward passes use: null for float32. */
export function autocastOf(t: Pick<TrainingConfig, 'bf16' | 'fp16'>, device: string): { device: 'cpu' | 'cuda'; dtype: DType } | null {
  const kind = device.startsWith('cuda') ? 'cuda' : 'cpu';
  if (t.fp16) return { device: kind, dtype: 'float16' };
  if (t.bf16) return { device: kind, dtype: 'bfloat16' };
  return null;
}

/** Runs a trainer with training.device as the default device: everything it loads and makes lands there. */
export function onTrainingDevice<O, R>(run: (config: RunConfig, options?: O) => Promise<R>): (config: RunConfig, options?: O) => Promise<R> {
  return async (config, options) => withDefaultDevice(resolveTrainingDevice(config.training), () => run(config, options));
}
