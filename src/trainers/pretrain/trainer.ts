/**
 * Causal LM pretraining (training.algorithm: pretrain): next-token loss over raw text packed
 * into blocks of data.max_length tokens (data/datasets/text.ts: an EOS between documents,
 * positions restarting per document), from scratch (model.init: from_scratch) or continued from
 * a checkpoint; eval/perplexity on the validation corpus.
 *
 * ```ts
 * const result = await runPretrain(loadConfig('examples/configs/pretrain.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { loadTextBlocks, padIdOf, type PackedRow } from '../../data/index.js';
import { currentGroup } from '../../distributed/index.js';
import { loadCausalLm } from '../../models/index.js';
import { packedLmAlgorithm } from '../loop/packed-lm.js';
import type { Algorithm, TrainerOptions, TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

export interface RunPretrainOptions extends Pick<TrainerOptions<PackedRow>, 'progress' | 'echo'> {
  resume?: string | null;
}

async function runPretrainOnDevice(config: RunConfig, options: RunPretrainOptions = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const group = currentGroup();
  const log = (line: string) => {
    if (options.echo === true) process.stderr.write(`${line}\n`);
  };
  const train = await loadTextBlocks(run.config, tokenizer, 'train', { log, group });
  if (train === null) throw new Error('pretrain: no training text; set data.datasets.text.train_files (.txt, or JSONL/Parquet with a text field)');
  const validation = (await loadTextBlocks(run.config, tokenizer, 'validation', { log, group }))?.toArray() ?? [];
  const { model } = run.startModel((dir, load) => loadCausalLm(dir, load));
  // The packed-row loss of SFT packing: every label of the block counts (no prompt to mask).
  const algorithm: Algorithm<PackedRow> = packedLmAlgorithm('pretrain', model, padIdOf(tokenizer));
  try {
    return await trainAlgorithm(algorithm, run.config, { train, validation }, options);
  } finally {
    train.close();
  }
}

/** Pretraining on training.device. */
export const runPretrain = onTrainingDevice(runPretrainOnDevice);
