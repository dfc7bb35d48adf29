/**
 * Where a training run lives (training.device) and which autocast it uses (bf16 / fp16).
 *
 * ```ts
 * export const runSft = onTrainingDevice(trainSft); // models, batches and optimizer state on training.device
 * ```
 */
import type { RunConfig, TrainingConfig } from '../../config/index.js';
import { canonicalDevice, checkDevice, cuda, getDefaultDevice, withDefaultDevice, type AutocastOptions, type Device } from '../../tensor/index.js';

/**
 * training.device made concrete (canonical name). 'auto' is `auto` when given (the Trainer
 * passes the model's device, so a model built by hand trains where it is), else the first CUDA
 * device when there is one, else the CPU.
 */
export function resolveTrainingDevice(t: Pick<TrainingConfig, 'device' | 'fp16'>, auto?: Device): Device {
  const device = t.device === 'auto' ? canonicalDevice(auto ?? (cuda.isAvailable() ? 'cuda:0' : 'cpu')) : checkDevice(t.device, 'training.device');
  if (t.fp16 && device === 'cpu') {
    const why = t.device === 'cpu' ? "training.device is 'cpu'" : auto === undefined ? 'this libtorch sees no CUDA device' : 'the model is on the CPU';
    throw new Error(`training.fp16 needs a CUDA device, but ${why}; on the CPU set training.bf16: true instead (or build against a CUDA libtorch)`);
  }
  return device;
}

/**
 * The device the model is on, checked against training.device and the default device (where
 * batches are made), so a model left on the wrong device fails here with a fix rather than in
 * the first matmul.
 */
export function checkedTrainingDevice(modelDevice: Device, t: TrainingConfig): Device {
  const wanted = resolveTrainingDevice(t, modelDevice);
  if (canonicalDevice(modelDevice) !== wanted || canonicalDevice(getDefaultDevice()) !== wanted) {
    throw new Error(
      `training.device is ${t.device} (${wanted}) but the model is on ${modelDevice} and new tensors go to ${getDefaultDevice()}: ` +
        'build the model and run the trainer inside withDefaultDevice(device, ...) (the run* functions do), or set training.device to match',
    );
  }
  return wanted;
}

/** The autocast a run's forward passes use: null for float32. */
export function autocastOf(t: Pick<TrainingConfig, 'bf16' | 'fp16'>, device: Device): Required<AutocastOptions> | null {
  const kind = device === 'cpu' ? 'cpu' : 'cuda';
  if (t.fp16) return { device: kind, dtype: 'float16' };
  if (t.bf16) return { device: kind, dtype: 'bfloat16' };
  return null;
}

/** The generators a checkpoint saves for a run on `device`: the CPU's, and the GPU's on a GPU. */
export function rngDevicesOf(device: Device): Device[] {
  return device === 'cpu' ? ['cpu'] : ['cpu', device];
}

/** Runs a trainer with training.device as the default device: everything it loads and makes lands there. */
export function onTrainingDevice<O, R>(run: (config: RunConfig, options?: O) => Promise<R>): (config: RunConfig, options?: O) => Promise<R> {
  return async (config, options) => withDefaultDevice(resolveTrainingDevice(config.training), () => run(config, options));
}
