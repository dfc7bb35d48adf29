/**
 * BERT / RoBERTa checkpoints from Hugging Face directories, into any of the four classes, as
 * transformers' from_pretrained: a task model loads a bare trunk's checkpoint (`embeddings.*`)
 * or another task's (`bert.*` / `roberta.*`); heads and a pooler the checkpoint lacks start from
 * transformers' init, heads it has that the class does not use are never read.
 */
import { readCheckpointLayout } from '../../io/index.js';
import { withEmptyInit } from '../../nn/empty-init.js';
import { Module } from '../../nn/module.js';
import { manualSeed } from '../../tensor/index.js';
import { loadPretrainedWeights, readRawConfig, type FromPretrainedOptions } from '../pretrained.js';
import { parseBertConfig, type BertConfig } from './config.js';
import { BertForMaskedLM } from './masked-lm.js';
import { BertModel, initBertWeights } from './model.js';
import { BertForPreTraining } from './pretraining.js';
import { BertForSequenceClassification } from './sequence-classification.js';

/** What a directory can be loaded as (transformers' BertModel, *ForMaskedLM, *ForPreTraining, *ForSequenceClassification). */
export interface EncoderTasks {
  base: BertModel;
  maskedLm: BertForMaskedLM;
  preTraining: BertForPreTraining;
  sequenceClassification: BertForSequenceClassification;
}
export type EncoderTask = keyof EncoderTasks;

export interface LoadEncoderOptions extends FromPretrainedOptions {
  /** Classifier outputs (default: config.json's id2label, else 2); a new head when it differs from the checkpoint's. */
  numLabels?: number;
  /** Build from config.json alone with transformers' init; the directory needs no weights. */
  fromScratch?: boolean;
  /** With `fromScratch`: seeds the generator first, so a seed gives the same weights. */
  seed?: number;
}

/** Buffers older checkpoints carry; rlhf-ts computes both. */
const BUFFERS = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;
/** The MLM decoder's keys that transformers ties (to the word embeddings and to the head's `bias`). */
const TIED_DECODER = /(^|\.)(predictions|lm_head)\.decoder\.(weight|bias)$/;

function build<K extends EncoderTask>(task: K, config: BertConfig, pooler = true): EncoderTasks[K] {
  const models: { [T in EncoderTask]: () => EncoderTasks[T] } = {
    base: () => new BertModel(config, { addPoolingLayer: pooler }),
    maskedLm: () => new BertForMaskedLM(config),
    preTraining: () => new BertForPreTraining(config),
    sequenceClassification: () => new BertForSequenceClassification(config),
  };
  return models[task]();
}

/** Gives a bare trunk the `bert.` / `roberta.` prefix of a task checkpoint's keys. */
class Prefixed extends Module {
  constructor(name: string, trunk: BertModel) {
    super();
    this.child(name, trunk);
  }
}

/**
 * A bert or roberta directory as `task`'s class, in eval mode.
 *
 * ```ts
 * const mlm = encoderFromPretrained('tiny-bert', 'maskedLm');
 * const clf = encoderFromPretrained('tiny-bert', 'sequenceClassification', { numLabels: 3 }); // new head
 * ```
 */
export function encoderFromPretrained<K extends EncoderTask>(dir: string, task: K, options: LoadEncoderOptions = {}): EncoderTasks[K] {
  const { raw, path } = readRawConfig(dir);
  const config: BertConfig = { ...parseBertConfig(raw, path), dtype: options.dtype ?? 'float32' };
  if (options.numLabels !== undefined) config.numLabels = options.numLabels;
  if (options.fromScratch) {
    if (options.seed !== undefined) manualSeed(options.seed);
    const model = build(task, config);
    initBertWeights(model, config);
    return model.eval() as EncoderTasks[K];
  }
  const keys = [...readCheckpointLayout(dir).tensors.keys()];
  const prefix = `${config.modelType}.`;
  const prefixed = keys.some((k) => k.startsWith(prefix));
  // Every weight is loaded or initialised below: none is drawn first.
  const model = withEmptyInit(() => build(task, config, keys.some((k) => k.endsWith('pooler.dense.weight'))));
  const trunk = model instanceof BertModel ? model : model.base;
  // Load where the checkpoint's names match: a task checkpoint into the prefixed tree, a bare one into the trunk.
  const target: Module = prefixed ? (model === trunk ? new Prefixed(config.modelType, trunk) : model) : trunk;
  const p = prefixed ? prefix : '';
  const inTrunk = (k: string) => k.startsWith(`${p}embeddings.`) || k.startsWith(`${p}encoder.`);
  try {
    const missing = loadPretrainedWeights(target, dir, {
      allowMissing: (k) => !inTrunk(k), // heads and the pooler: initialised below
      ignoreUnexpected: (k) => BUFFERS.test(k) || TIED_DECODER.test(k) || !k.startsWith(p) || k.startsWith(`${p}pooler.`),
      ...(options.mmap === undefined ? {} : { mmap: options.mmap }),
    });
    const byName = new Map(target.namedParameters());
    const fresh = new Set(missing.map((k) => byName.get(k)));
    // Only the trunk was loaded (a bare BertModel checkpoint): every head parameter is new.
    if (target === trunk && model !== trunk) {
      const loaded = new Set(trunk.parameters());
      for (const t of model.parameters()) if (!loaded.has(t)) fresh.add(t);
    }
    initBertWeights(model, config, (_, t) => fresh.has(t));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model.eval() as EncoderTasks[K]; // as transformers: loaded models start in eval mode
}
