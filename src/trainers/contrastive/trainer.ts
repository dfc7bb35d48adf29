/**
 * Contrastive learning (training.algorithm: contrastive): sentence embeddings from any encoder or
 * decoder the project loads, trained with SimCLR's NT-Xent or MoCo's queue (contrastive:), on
 * data.datasets.pair (anchor/positive records) or two augmented views of data.datasets.text
 * documents. The encoder is saved as the run's model (rlhf embed reads it); the projection head,
 * and for MoCo the key encoder and the queue, beside it for resuming.
 *
 * ```ts
 * const result = await runContrastive(loadConfig('examples/configs/simclr.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { loadSentenceEncoder, type SentenceEncoder } from '../../contrastive/index.js';
import { datasetFiles, loadDataset, streamDocuments, textCorpusFiles } from '../../data/index.js';
import type { TrainerOptions, TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { contrastiveAlgorithm, type ContrastiveExample } from './algorithm.js';
import { ContrastiveHeads } from './heads.js';

export interface RunContrastiveOptions extends Pick<TrainerOptions<ContrastiveExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** The split's examples: anchor/positive pairs when the config names pair files, else the text documents (in memory). */
async function examplesOf(config: RunConfig, split: 'train' | 'validation'): Promise<ContrastiveExample[]> {
  const pairFiles = datasetFiles(config, 'pair', split, config.data.datasets.pair !== undefined);
  if (pairFiles.length > 0) {
    const out: ContrastiveExample[] = [];
    for (const path of pairFiles) {
      const { records } = await loadDataset(path, { format: 'pair', onError: config.data.on_error });
      for (const r of records) out.push({ anchor: r.anchor, positive: r.positive });
    }
    return out;
  }
  const files = textCorpusFiles(config, split);
  const out: ContrastiveExample[] = [];
  if (files.length === 0) return out;
  for await (const d of streamDocuments(files, { textDocuments: config.data.text_documents, seed: config.training.seed, onError: config.data.on_error })) out.push({ text: d.text });
  return out;
}

async function runContrastiveOnDevice(config: RunConfig, options: RunContrastiveOptions = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const c = run.config;
  const train = await examplesOf(c, 'train');
  if (train.length < 2) throw new Error('contrastive: fewer than 2 training examples; set data.datasets.pair.train_files (anchor/positive) or data.datasets.text.train_files');
  const validation = await examplesOf(c, 'validation');
  const o = c.contrastive;
  let encoder: SentenceEncoder | null = null;
  run.startModel((dir, load) => {
    encoder = loadSentenceEncoder(dir, { dtype: load.dtype });
    return encoder.module;
  });
  const query = encoder as unknown as SentenceEncoder;
  const moco = o.method === 'moco';
  const heads = new ContrastiveHeads({ hiddenSize: query.hiddenSize, projectionDim: o.projection_dim, queueSize: moco ? o.queue_size : null });
  let keyEncoder: SentenceEncoder | null = null;
  if (moco) {
    keyEncoder = loadSentenceEncoder(c.model.name_or_path, { dtype: query.module.parameters()[0]?.dtype ?? 'float32' });
    keyEncoder.module.loadStateDict(query.module.stateDict());
    keyEncoder.module.freeze();
  }
  const algorithm = contrastiveAlgorithm({ encoder: query, heads, keyEncoder }, {
    method: o.method, temperature: o.temperature, pooling: o.pooling, momentum: o.momentum, augmentations: o.augmentations, maxLength: c.data.max_length, tokenizer,
  });
  return trainAlgorithm(algorithm, c, { train, validation }, options);
}

/** Contrastive training on training.device. */
export const runContrastive = onTrainingDevice(runContrastiveOnDevice);
