/** Builds the Trainer for an algorithm from a run config and trains: what every `run*` shares. */
import type { RunConfig } from '../../config/index.js';
import { tokenizerDirOf } from '../../config/index.js';
import { Trainer, type ExampleSource, type TrainerOptions, type TrainResult } from './trainer.js';
import type { Algorithm } from './types.js';
import { loraLayers } from '../../nn/index.js';
import { loraOptionsOf } from './lora-config.js';
import { currentGroup, withProcessGroup } from '../../distributed/index.js';
import { saveResolvedBatchSizes } from './auto-batch-size.js';

export interface RunOptions<E> extends Pick<TrainerOptions<E>, 'progress' | 'echo'> {
  resume?: string | null;
}

export async function trainAlgorithm<E>(
  algorithm: Algorithm<E>,
  config: RunConfig,
  data: { train: ExampleSource<E>; validation: readonly E[] },
  options: RunOptions<E> = {},
): Promise<TrainResult> {
  return withProcessGroup(config, () => trainWith(algorithm, config, data, options));
}

function trainWith<E>(algorithm: Algorithm<E>, config: RunConfig, data: { train: ExampleSource<E>; validation: readonly E[] }, options: RunOptions<E>): Promise<TrainResult> {
  const trainer = new Trainer(algorithm, {
    training: config.training,
    logging: config.logging,
    train: data.train,
    ...(data.validation.length > 0 ? { validation: data.validation } : {}),
    tokenizerDir: tokenizerDirOf(config),
    lora: loraLayers(algorithm.model).length > 0 ? loraOptionsOf(config.lora) : null,
    distributed: config.distributed,
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
  });
  const t = config.training;
  if ((t.per_device_train_batch_size === 'auto' || t.per_device_eval_batch_size === 'auto') && (currentGroup()?.rank ?? 0) === 0) {
    saveResolvedBatchSizes(t.output_dir, trainer.config); // the probe's numbers, in place of auto
  }
  return trainer.train({ resume: options.resume ?? null });
}
