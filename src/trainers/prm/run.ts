/**
 * `training.algorithm: prm`: a stepwise PRM on text (data.datasets.stepwise) or a latent PRM
 * on latent sequences (data.datasets.latent), picked by `prm.mode`.
 *
 * ```ts
 * const result = await runPrm(loadConfig('examples/configs/prm.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { writeResolvedConfig } from '../../config/index.js';
import { loadDataset, loadLatentMatrix, padIdOf, tokenizeStepwise, type LatentRecord, type TokenizedExample } from '../../data/index.js';
import { LatentPrmModel, TokenClassifierModel } from '../../models/index.js';
import { manualSeed } from '../../tensor/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import type { TrainResult } from '../loop/index.js';
import { datasetFiles } from '../loop/data-files.js';
import { trainAlgorithm, type RunOptions } from '../loop/run.js';
import { latentPrmAlgorithm } from './latent.js';
import { stepwisePrmAlgorithm } from './stepwise.js';
import { onTrainingDevice } from '../loop/device.js';

/** Which PRM a config trains: `prm.mode`, or for 'auto' latent exactly when latent training files are named. */
export function prmMode(config: RunConfig): Exclude<RunConfig['prm']['mode'], 'auto'> {
  if (config.prm.mode !== 'auto') return config.prm.mode;
  return (config.data.datasets.latent?.train_files.length ?? 0) > 0 ? 'latent' : 'stepwise';
}

/** The tokenized stepwise examples of the config's files of `split` (those with a labelled step left after truncation). */
export async function loadStepwise(config: RunConfig, tokenizer: Tokenizer, split: 'train' | 'validation'): Promise<TokenizedExample[]> {
  const out: TokenizedExample[] = [];
  for (const path of datasetFiles(config, 'stepwise', split)) {
    const { records } = await loadDataset(path, { format: 'stepwise', onError: config.data.on_error });
    for (const r of records) {
      out.push(tokenizeStepwise(tokenizer, r, {
        maxLength: config.data.max_length,
        maxPromptLength: config.data.max_prompt_length,
        stepSeparator: config.prm.step_separator,
        trainOnLastStepOnly: config.prm.train_on_last_step_only,
      }));
    }
  }
  // A record truncated before its first labelled step has nothing to learn from.
  return out.filter((e) => e.completionMask.some((m) => m === 1));
}

/** The latent records of the config's files of `split`. */
export async function loadLatent(config: RunConfig, split: 'train' | 'validation'): Promise<LatentRecord[]> {
  const out: LatentRecord[] = [];
  for (const path of datasetFiles(config, 'latent', split)) {
    const { records } = await loadDataset(path, { format: 'latent', onError: config.data.on_error });
    out.push(...records);
  }
  return out;
}

async function runPrmOnDevice(config: RunConfig, options: RunOptions<unknown> = {}): Promise<TrainResult> {
  const modelDir = resolve(config.model.name_or_path);
  if (prmMode(config) === 'latent') {
    const train = await loadLatent(config, 'train');
    if (train.length === 0) throw new Error('prm (latent): no latent examples to train on (data.datasets.latent.train_files)');
    const validation = await loadLatent(config, 'validation');
    const first = loadLatentMatrix(train[0] as LatentRecord);
    const latentDim = config.prm.latent_dim ?? (first.size(1) as number);
    first.dispose();
    writeResolvedConfig(config.training.output_dir, config);
    manualSeed(config.training.seed);
    const model = LatentPrmModel.fromPretrained(modelDir, { latentDim, pooling: config.prm.pooling });
    return trainAlgorithm(latentPrmAlgorithm(model), config, { train, validation }, options);
  }
  const tokenizer = Tokenizer.fromPretrained(resolve(config.model.tokenizer_name_or_path ?? modelDir));
  const train = await loadStepwise(config, tokenizer, 'train');
  if (train.length === 0) throw new Error('prm (stepwise): no stepwise example has a labelled step to train on (data.datasets.stepwise.train_files)');
  const validation = await loadStepwise(config, tokenizer, 'validation');
  writeResolvedConfig(config.training.output_dir, config);
  manualSeed(config.training.seed);
  const model = TokenClassifierModel.fromPretrained(modelDir, { numLabels: 2 });
  return trainAlgorithm(stepwisePrmAlgorithm(model, padIdOf(tokenizer)), config, { train, validation }, options);
}

/** Prm on training.device (models, batches and optimizer state there). */
export const runPrm = onTrainingDevice(runPrmOnDevice);
