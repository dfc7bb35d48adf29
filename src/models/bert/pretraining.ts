/**
 * BERT's pretraining model (transformers' BertForPreTraining): the trunk with its pooler, the
 * masked-LM head and the next-sentence head, `bert.*` + `cls.predictions.*` + `cls.seq_relationship.*`.
 * RoBERTa has no NSP: pretrain it with BertForMaskedLM.
 *
 * ```ts
 * const bert = loadEncoderForPreTraining('tiny-bert');
 * const out = bert.forward({ inputIds, tokenTypeIds, attentionMask, labels, nextSentenceLabel });
 * out.predictionLogits; out.seqRelationshipLogits; out.loss;   // (B, T, V), (B, 2), MLM + NSP
 * ```
 */
import { Module } from '../../nn/module.js';
import type { DType, Tensor } from '../../tensor/index.js';
import { bertToHfConfig, type BertConfig } from './config.js';
import { BertClsHeads } from './heads.js';
import { maskedLmLoss, nextSentenceLoss } from './losses.js';
import { BertModel, initBertWeights, type EncoderInput, type EncoderOutput } from './model.js';

export interface PreTrainingInput extends EncoderInput {
  /** (B, T) MLM targets, -100 at unmasked positions. */
  labels?: Tensor | undefined;
  /** (B) int64: 0 when sentence B follows sentence A, 1 when it is random. */
  nextSentenceLabel?: Tensor | undefined;
}

export interface PreTrainingOutput extends EncoderOutput {
  pooledOutput: Tensor;
  /** (B, T, V) */
  predictionLogits: Tensor;
  /** (B, 2) */
  seqRelationshipLogits: Tensor;
  /** MLM loss + NSP loss (transformers' total), or whichever one has labels. */
  loss?: Tensor;
  mlmLoss?: Tensor;
  nspLoss?: Tensor;
}

export class BertForPreTraining extends Module {
  readonly base: BertModel;
  readonly cls: BertClsHeads;

  constructor(readonly config: BertConfig) {
    super();
    if (config.modelType !== 'bert') throw new Error(`BertForPreTraining: model_type '${config.modelType}' has no next-sentence head; use BertForMaskedLM`);
    this.base = this.child('bert', new BertModel(config));
    this.cls = this.child('cls', new BertClsHeads(config, { nsp: true }));
  }

  static fromConfig(config: BertConfig): BertForPreTraining {
    const m = new BertForPreTraining(config);
    initBertWeights(m, config);
    return m;
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return bertToHfConfig(this.config, 'BertForPreTraining', dtype);
  }

  forward(input: PreTrainingInput): PreTrainingOutput {
    const out = this.base.forward(input);
    const pooledOutput = out.pooledOutput as Tensor; // built with a pooler
    const predictionLogits = this.cls.predictions.forward(out.hiddenStates, this.base.embeddings.wordEmbeddings.weight);
    const seqRelationshipLogits = (this.cls.seqRelationship as NonNullable<BertClsHeads['seqRelationship']>).forward(pooledOutput);
    const mlmLoss = input.labels === undefined ? undefined : maskedLmLoss(predictionLogits, input.labels);
    const nspLoss = input.nextSentenceLabel === undefined ? undefined : nextSentenceLoss(seqRelationshipLogits, input.nextSentenceLabel);
    const loss = mlmLoss !== undefined && nspLoss !== undefined ? mlmLoss.add(nspLoss) : (mlmLoss ?? nspLoss);
    return {
      ...out,
      pooledOutput,
      predictionLogits,
      seqRelationshipLogits,
      ...(loss === undefined ? {} : { loss }),
      ...(mlmLoss === undefined ? {} : { mlmLoss }),
      ...(nspLoss === undefined ? {} : { nspLoss }),
    };
  }
}
