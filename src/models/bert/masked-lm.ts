/**
 * BERT / RoBERTa with the masked-LM head: transformers' BertForMaskedLM (`bert.*` + `cls.predictions.*`)
 * and RobertaForMaskedLM (`roberta.*` + `lm_head.*`), no pooler, decoder tied to the word embeddings.
 *
 * ```ts
 * const mlm = loadMaskedLm('tiny-bert');
 * const { logits, loss } = mlm.forward({ inputIds, attentionMask, labels });   // logits (B, T, V)
 * ```
 */
import { Module } from '../../nn/module.js';
import type { DType, Tensor } from '../../tensor/index.js';
import { bertToHfConfig, type BertConfig } from './config.js';
import { BertClsHeads, RobertaLmHead, type MlmHead } from './heads.js';
import { maskedLmLoss } from './losses.js';
import { BertModel, initBertWeights, type EncoderInput, type EncoderOutput } from './model.js';

export interface MaskedLmInput extends EncoderInput {
  /** (B, T): the original id at masked positions, -100 elsewhere; gives `loss`. */
  labels?: Tensor | undefined;
}

export interface MaskedLmOutput extends EncoderOutput {
  /** (B, T, V) prediction logits at every position. */
  logits: Tensor;
  /** Mean cross entropy over the labelled positions, when labels were given. */
  loss?: Tensor;
}

export class BertForMaskedLM extends Module {
  readonly base: BertModel;
  /** BERT's `cls` (MLM only) or null for RoBERTa. */
  readonly cls: BertClsHeads | null;
  readonly head: MlmHead;

  constructor(readonly config: BertConfig) {
    super();
    this.base = this.child(config.modelType, new BertModel(config, { addPoolingLayer: false }));
    if (config.modelType === 'bert') {
      this.cls = this.child('cls', new BertClsHeads(config, { nsp: false }));
      this.head = this.cls.predictions;
    } else {
      this.cls = null;
      this.head = this.child('lm_head', new RobertaLmHead(config));
    }
  }

  /** Fresh weights drawn as transformers' _init_weights. */
  static fromConfig(config: BertConfig): BertForMaskedLM {
    const m = new BertForMaskedLM(config);
    initBertWeights(m, config);
    return m;
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return bertToHfConfig(this.config, this.config.modelType === 'bert' ? 'BertForMaskedLM' : 'RobertaForMaskedLM', dtype);
  }

  /** Vocabulary logits for hidden states (…, H): run it on the masked positions alone to skip the rest. */
  predict(hidden: Tensor): Tensor {
    return this.head.forward(hidden, this.base.embeddings.wordEmbeddings.weight);
  }

  forward(input: MaskedLmInput): MaskedLmOutput {
    const out = this.base.forward(input);
    const logits = this.predict(out.hiddenStates);
    return { ...out, logits, ...(input.labels === undefined ? {} : { loss: maskedLmLoss(logits, input.labels) }) };
  }
}
