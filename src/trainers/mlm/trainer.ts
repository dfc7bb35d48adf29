/**
 * Masked language modelling (training.algorithm: mlm) on data.datasets.text: blocks of
 * data.max_length tokens (each document with the tokenizer's special tokens, as transformers'
 * run_mlm.py groups texts), or with mlm.use_nsp sentence pairs for BERT's next-sentence
 * prediction; from scratch (model.init: from_scratch) or from a checkpoint.
 *
 * ```ts
 * const result = await runMlm(loadConfig('examples/configs/mlm.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { buildNspExamples, loadTextBlocks, maskTokenIdOf, padIdOf, segmentsOf, streamDocuments, textCorpusFiles, type CorpusFile, type NspExample } from '../../data/index.js';
import { currentGroup } from '../../distributed/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import type { ExampleSource, TrainerOptions, TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { mlmAlgorithm, type MlmExample } from './algorithm.js';
import { loadMaskedLmModel, type MaskedLmModel } from '../../models/index.js';

export interface RunMlmOptions extends Pick<TrainerOptions<MlmExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** NSP pairs from the split's documents (in memory: pairs need random access across documents). */
async function nspPairs(config: RunConfig, tokenizer: Tokenizer, files: CorpusFile[]): Promise<NspExample[]> {
  const cls = tokenizer.tokenToId('[CLS]');
  const sep = tokenizer.tokenToId('[SEP]');
  if (cls === undefined || sep === undefined) throw new Error('mlm.use_nsp: the tokenizer has no [CLS]/[SEP] tokens (a BERT WordPiece tokenizer has them)');
  const docs: number[][][] = [];
  for await (const d of streamDocuments(files, { textDocuments: config.data.text_documents, seed: config.training.seed, onError: config.data.on_error })) {
    docs.push(segmentsOf(d.text).map((s) => tokenizer.encode(s, { addSpecialTokens: false })));
  }
  return buildNspExamples(docs, { maxLength: config.data.max_length, clsId: cls, sepId: sep, nspProb: config.mlm.nsp_prob, seed: config.training.seed });
}

async function runMlmOnDevice(config: RunConfig, options: RunMlmOptions = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const c = run.config;
  const maskTokenId = maskTokenIdOf(tokenizer, c.mlm.mask_token);
  const log = (line: string) => {
    if (options.echo === true) process.stderr.write(`${line}\n`);
  };
  let data: { train: ExampleSource<MlmExample> & { close?(): void }; validation: MlmExample[] };
  if (c.mlm.use_nsp) {
    const train = await nspPairs(c, tokenizer, textCorpusFiles(c, 'train'));
    if (train.length === 0) throw new Error('mlm.use_nsp: no sentence pairs; the training text needs documents of two or more segments (lines or sentences)');
    const validationFiles = textCorpusFiles(c, 'validation');
    data = { train, validation: validationFiles.length > 0 ? await nspPairs(c, tokenizer, validationFiles) : [] };
  } else {
    const group = currentGroup();
    const train = await loadTextBlocks(c, tokenizer, 'train', { encoding: 'masked', log, group });
    if (train === null) throw new Error('mlm: no training text; set data.datasets.text.train_files (.txt, or JSONL/Parquet with a text field)');
    data = { train, validation: (await loadTextBlocks(c, tokenizer, 'validation', { encoding: 'masked', log, group }))?.toArray() ?? [] };
  }
  let loaded: MaskedLmModel | null = null;
  run.startModel((dir, load) => {
    loaded = loadMaskedLmModel(dir, load, c.mlm.use_nsp);
    return loaded.module;
  });
  const adapter = loaded as unknown as MaskedLmModel;
  const algorithm = mlmAlgorithm(adapter, {
    maskTokenId,
    padTokenId: padIdOf(tokenizer),
    vocabSize: tokenizer.vocabSize,
    specialIds: tokenizer.allSpecialIds,
    maskProb: c.mlm.mask_prob,
    maskReplaceProb: c.mlm.mask_replace_prob,
    randomReplaceProb: c.mlm.random_replace_prob,
    wholeWord: c.mlm.whole_word_mask ? (id) => tokenizer.idToToken(id) : null,
  });
  try {
    return await trainAlgorithm(algorithm, c, data, options);
  } finally {
    data.train.close?.();
  }
}

/** Masked language modelling on training.device. */
export const runMlm = onTrainingDevice(runMlmOnDevice);
