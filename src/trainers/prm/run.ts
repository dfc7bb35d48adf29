/**
 * `training.algorithm: prm`: a stepwise PRM on text (data.datasets.stepwise) or a latent PRM
 * on latent sequences (data.datasets.latent), picked by `prm.mode`.
 *
 * ```ts
 * const result = await runPrm(loadConfig('examples/configs/prm.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { loadLatent, loadLatentMatrix, loadStepwise, padIdOf, prmMode, type LatentRecord } from '../../data/index.js';
import { LatentPrmModel, TokenClassifierModel } from '../../models/index.js';
import type { TrainResult } from '../loop/index.js';
import { trainAlgorithm, type RunOptions } from '../loop/run.js';
import { latentPrmAlgorithm } from './latent.js';
import { stepwisePrmAlgorithm } from './stepwise.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

async function runPrmOnDevice(config: RunConfig, options: RunOptions<unknown> = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  if (prmMode(config) === 'latent') {
    // Latent sequences need no tokenizer; the latent width comes from the data.
    const train = await loadLatent(run.config, 'train');
    if (train.length === 0) throw new Error('prm (latent): no latent examples to train on (data.datasets.latent.train_files)');
    const validation = await loadLatent(run.config, 'validation');
    const first = loadLatentMatrix(train[0] as LatentRecord);
    const latentDim = config.prm.latent_dim ?? (first.size(1) as number);
    first.dispose();
    const { model } = run.startModel((dir, load) => LatentPrmModel.fromPretrained(dir, { latentDim, pooling: config.prm.pooling, dtype: load.dtype }));
    return trainAlgorithm(latentPrmAlgorithm(model), run.config, { train, validation }, options);
  }
  const tokenizer = run.tokenizer();
  const train = await loadStepwise(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error('prm (stepwise): no stepwise example has a labelled step to train on (data.datasets.stepwise.train_files)');
  const validation = await loadStepwise(run.config, tokenizer, 'validation');
  const { model } = run.startModel((dir, load) => TokenClassifierModel.fromPretrained(dir, { numLabels: 2, dtype: load.dtype }));
  return trainAlgorithm(stepwisePrmAlgorithm(model, padIdOf(tokenizer)), run.config, { train, validation }, options);
}

/** Prm on training.device (models, batches and optimizer state there). */
export const runPrm = onTrainingDevice(runPrmOnDevice);
