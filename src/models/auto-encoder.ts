/**
 * Encoder directories (config.json model_type `bert` or `roberta`) into the class a task needs,
 * like transformers' AutoModel / AutoModelForMaskedLM / AutoModelForSequenceClassification.
 * Decoder families in encoder mode (bidirectional attention) load through loadCausalLm with
 * `is_causal: false` in their config.json, or `CausalLM.fromConfig({ ...config, isCausal: false })`.
 *
 * ```ts
 * const encoder = loadEncoder('test/fixtures/models/tiny-bert');            // BertModel: hiddenStates, pooledOutput
 * const mlm = loadMaskedLm('test/fixtures/models/tiny-roberta');            // logits (B, T, V)
 * const fresh = loadMaskedLm('dir-with-config-only', { fromScratch: true, seed: 1 });
 * ```
 */
import { encoderFromPretrained, type LoadEncoderOptions } from './bert/pretrained.js';
import type { BertForMaskedLM } from './bert/masked-lm.js';
import type { BertModel } from './bert/model.js';
import type { BertForPreTraining } from './bert/pretraining.js';
import type { BertForSequenceClassification } from './bert/sequence-classification.js';

/** The trunk alone (transformers' AutoModel); the pooler is kept when the checkpoint has one. */
export function loadEncoder(dir: string, options: LoadEncoderOptions = {}): BertModel {
  return encoderFromPretrained(dir, 'base', options);
}

/** The trunk with its masked-LM head (AutoModelForMaskedLM). */
export function loadMaskedLm(dir: string, options: LoadEncoderOptions = {}): BertForMaskedLM {
  return encoderFromPretrained(dir, 'maskedLm', options);
}

/** BERT with its MLM and next-sentence heads (BertForPreTraining); bert directories only. */
export function loadEncoderForPreTraining(dir: string, options: LoadEncoderOptions = {}): BertForPreTraining {
  return encoderFromPretrained(dir, 'preTraining', options);
}

/** The trunk with a sequence-classification head (AutoModelForSequenceClassification). */
export function loadEncoderClassifier(dir: string, options: LoadEncoderOptions = {}): BertForSequenceClassification {
  return encoderFromPretrained(dir, 'sequenceClassification', options);
}
