/**
 * Heads over the BERT / RoBERTa trunk, with transformers' key names:
 * - BERT's `cls.predictions` (MLM: transform dense + act + LayerNorm, decoder tied to the word
 *   embeddings, own bias) and `cls.seq_relationship` (NSP: Linear(H, 2) on the pooled output);
 * - RoBERTa's `lm_head` (the same MLM head, always exact GELU, flat names);
 * - RoBERTa's `classifier` (dense + tanh + out_proj on the <s> position).
 */
import { dropout, linear } from '../../nn/functional.js';
import { Embedding, LayerNorm, Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { zeros, type Tensor } from '../../tensor/index.js';
import type { BertConfig } from './config.js';
import { activate } from './model.js';

/** An MLM head: hidden (…, H) to vocabulary logits (…, V), given the word-embedding matrix it may share. */
export interface MlmHead extends Module {
  forward(hidden: Tensor, wordEmbeddings: Tensor): Tensor;
}

/** The decoder's own (V, H) matrix when the config unties it, stored as `decoder.weight`. */
function untiedDecoder(parent: Module, config: BertConfig): Embedding | null {
  if (config.tieWordEmbeddings) return null;
  return parent.registerModule('decoder', new Embedding(config.vocabSize, config.hiddenSize, { dtype: config.dtype ?? 'float32' }));
}

/** `cls.predictions.transform`: dense -> hidden_act -> LayerNorm. */
class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(private readonly config: BertConfig) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.dense = this.child('dense', new Linear(config.hiddenSize, config.hiddenSize, { dtype }));
    this.layerNorm = this.child('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps, { dtype }));
  }

  forward(x: Tensor): Tensor {
    return this.layerNorm.forward(activate(this.dense.forward(x), this.config.hiddenAct));
  }
}

/** `cls.predictions` (BertLMPredictionHead). */
export class BertLmPredictionHead extends Module implements MlmHead {
  readonly transform: BertPredictionHeadTransform;
  /** Output bias (V); transformers ties `decoder.bias` to it, so only this one is saved. */
  readonly bias: Tensor;
  readonly decoder: Embedding | null;

  constructor(config: BertConfig) {
    super();
    this.transform = this.child('transform', new BertPredictionHeadTransform(config));
    this.bias = this.param('bias', zeros([config.vocabSize], { dtype: config.dtype ?? 'float32' }));
    this.decoder = untiedDecoder(this, config);
  }

  forward(hidden: Tensor, wordEmbeddings: Tensor): Tensor {
    return linear(this.transform.forward(hidden), this.decoder?.weight ?? wordEmbeddings, this.bias);
  }
}

/** `cls`: BertOnlyMLMHead (nsp false) or BertPreTrainingHeads (nsp true). */
export class BertClsHeads extends Module {
  readonly predictions: BertLmPredictionHead;
  /** NSP: is sentence B the continuation of sentence A? logits (B, 2), class 0 = yes. */
  readonly seqRelationship: Linear | null;

  constructor(config: BertConfig, options: { nsp: boolean }) {
    super();
    this.predictions = this.child('predictions', new BertLmPredictionHead(config));
    this.seqRelationship = options.nsp ? this.child('seq_relationship', new Linear(config.hiddenSize, 2, { dtype: config.dtype ?? 'float32' })) : null;
  }
}

/** `lm_head` (RobertaLMHead): dense -> exact GELU -> layer_norm -> decoder + bias. */
export class RobertaLmHead extends Module implements MlmHead {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly bias: Tensor;
  readonly decoder: Embedding | null;

  constructor(config: BertConfig) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.dense = this.child('dense', new Linear(config.hiddenSize, config.hiddenSize, { dtype }));
    this.layerNorm = this.child('layer_norm', new LayerNorm(config.hiddenSize, config.layerNormEps, { dtype }));
    this.bias = this.param('bias', zeros([config.vocabSize], { dtype }));
    this.decoder = untiedDecoder(this, config);
  }

  forward(hidden: Tensor, wordEmbeddings: Tensor): Tensor {
    const x = this.layerNorm.forward(this.dense.forward(hidden).gelu('none')); // transformers' gelu, whatever hidden_act says
    return linear(x, this.decoder?.weight ?? wordEmbeddings, this.bias);
  }
}

/** `classifier` (RobertaClassificationHead): on h[:, 0], dropout -> dense -> tanh -> dropout -> out_proj. */
export class RobertaClassificationHead extends Module {
  readonly dense: Linear;
  readonly outProj: Linear;

  constructor(private readonly config: BertConfig) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.dense = this.child('dense', new Linear(config.hiddenSize, config.hiddenSize, { dtype }));
    this.outProj = this.child('out_proj', new Linear(config.hiddenSize, config.numLabels, { dtype }));
  }

  /** hidden (B, T, H) -> logits (B, numLabels) */
  forward(hidden: Tensor): Tensor {
    const p = this.config.classifierDropout ?? this.config.hiddenDropoutProb;
    const x = dropout(hidden.select(1, 0), p, this.training);
    return this.outProj.forward(dropout(this.dense.forward(x).tanh(), p, this.training));
  }
}
