/**
 * The model an MLM run trains, behind one small interface: BERT/RoBERTa directories load as
 * BertForMaskedLM (BertForPreTraining with mlm.use_nsp), decoder families (Qwen2, Llama, ...) as
 * a CausalLM switched to encoder mode (bidirectional attention, `is_causal: false`, saved so) whose
 * tied or own LM head predicts the masked tokens.
 */
import type { Module } from '../nn/module.js';
import type { DType, Tensor } from '../tensor/index.js';
import { loadEncoderForPreTraining, loadMaskedLm } from './auto-encoder.js';
import { loadCausalLm } from './auto.js';
import { ENCODER_TYPES } from './bert/config.js';
import type { BertForMaskedLM } from './bert/masked-lm.js';
import type { BertForPreTraining } from './bert/pretraining.js';
import { CausalLM } from './causal-lm.js';
import { readRawConfig, type HfSerializable } from './pretrained.js';

/** How the model loads: its dtype, and fresh weights (seeded) instead of the checkpoint's. */
export interface MaskedLmLoadOptions {
  dtype?: DType;
  fromScratch?: boolean;
  seed?: number;
}

export interface MaskedLmInputs {
  inputIds: Tensor;
  attentionMask: Tensor;
  tokenTypeIds?: Tensor;
}

export interface MaskedLmModel {
  readonly module: Module & HfSerializable;
  /** Final hidden states (B, T, H) and, for NSP, the pooled [CLS] state (B, H). */
  encode(input: MaskedLmInputs): { hidden: Tensor; pooled: Tensor | null };
  /** Vocabulary logits (n, V) of hidden rows (n, H): the masked positions alone. */
  predict(rows: Tensor): Tensor;
  /** Is-next logits (B, 2) of the pooled states; null without an NSP head. */
  nextSentence: ((pooled: Tensor) => Tensor) | null;
}


/** Loads `dir` for masked language modelling (`useNsp`: with the next-sentence head; BERT only). */
export function loadMaskedLmModel(dir: string, load: MaskedLmLoadOptions, useNsp: boolean): MaskedLmModel {
  const type = String(readRawConfig(dir).raw.model_type);
  if ((ENCODER_TYPES as readonly string[]).includes(type)) {
    if (useNsp) {
      if (type !== 'bert') throw new Error(`mlm.use_nsp: ${dir} is a ${type} model, which has no next-sentence head (RoBERTa dropped NSP); set mlm.use_nsp: false`);
      const bert: BertForPreTraining = loadEncoderForPreTraining(dir, load);
      return {
        module: bert,
        encode: (input) => {
          const out = bert.base.forward(input);
          return { hidden: out.hiddenStates, pooled: out.pooledOutput };
        },
        predict: (rows) => bert.cls.predictions.forward(rows, bert.base.embeddings.wordEmbeddings.weight),
        nextSentence: (pooled) => (bert.cls.seqRelationship as NonNullable<BertForPreTraining['cls']['seqRelationship']>).forward(pooled),
      };
    }
    const mlm: BertForMaskedLM = loadMaskedLm(dir, load);
    return { module: mlm, encode: (input) => ({ hidden: mlm.base.forward(input).hiddenStates, pooled: null }), predict: (rows) => mlm.predict(rows), nextSentence: null };
  }
  if (useNsp) throw new Error(`mlm.use_nsp: ${dir} is a ${type} decoder, which has no next-sentence head; use a bert model or set mlm.use_nsp: false`);
  const lm = loadCausalLm(dir, load);
  if (!(lm instanceof CausalLM)) throw new Error(`mlm: ${dir} (${type}) has no encoder mode; use a bert/roberta model or a Qwen2/Llama-family decoder`);
  // Encoder mode: the layers read the (shared) config at every forward; saved checkpoints carry is_causal: false.
  (lm.config as { isCausal: boolean }).isCausal = false;
  return {
    module: lm,
    encode: (input) => ({ hidden: lm.forwardHidden({ inputIds: input.inputIds, attentionMask: input.attentionMask }), pooled: null }),
    predict: (rows) => lm.logitsOf(rows),
    nextSentence: null,
  };
}
