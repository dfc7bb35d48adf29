/**
 * BERT / RoBERTa sequence classifiers, as transformers: BertForSequenceClassification (dropout +
 * `classifier` Linear on the pooled [CLS] output) and RobertaForSequenceClassification (no pooler;
 * `classifier.dense` + tanh + `classifier.out_proj` on the <s> position).
 *
 * ```ts
 * const clf = loadEncoderClassifier('tiny-bert-cls');
 * const { logits, loss } = clf.forward({ inputIds, attentionMask, tokenTypeIds, labels }); // (B, numLabels)
 * ```
 */
import { dropout } from '../../nn/functional.js';
import { Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import type { DType, Tensor } from '../../tensor/index.js';
import { bertToHfConfig, type BertConfig } from './config.js';
import { RobertaClassificationHead } from './heads.js';
import { sequenceClassificationLoss } from './losses.js';
import { BertModel, initBertWeights, type EncoderInput, type EncoderOutput } from './model.js';

export interface SequenceClassificationInput extends EncoderInput {
  /** (B) int64 classes, (B) / (B, 1) floats for regression, (B, numLabels) floats for multi-label. */
  labels?: Tensor | undefined;
}

export interface SequenceClassificationOutput extends EncoderOutput {
  /** (B, numLabels) */
  logits: Tensor;
  loss?: Tensor;
}

export class BertForSequenceClassification extends Module {
  readonly base: BertModel;
  /** BERT's Linear(H, numLabels) on the pooled output, or RoBERTa's two-layer head. */
  readonly classifier: Linear | RobertaClassificationHead;

  constructor(readonly config: BertConfig) {
    super();
    const bert = config.modelType === 'bert';
    this.base = this.child(config.modelType, new BertModel(config, { addPoolingLayer: bert }));
    this.classifier = this.child(
      'classifier',
      bert ? new Linear(config.hiddenSize, config.numLabels, { dtype: config.dtype ?? 'float32' }) : new RobertaClassificationHead(config),
    );
  }

  static fromConfig(config: BertConfig): BertForSequenceClassification {
    const m = new BertForSequenceClassification(config);
    initBertWeights(m, config);
    return m;
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    const arch = this.config.modelType === 'bert' ? 'BertForSequenceClassification' : 'RobertaForSequenceClassification';
    return bertToHfConfig(this.config, arch, dtype);
  }

  forward(input: SequenceClassificationInput): SequenceClassificationOutput {
    const out = this.base.forward(input);
    let logits: Tensor;
    if (this.classifier instanceof RobertaClassificationHead) logits = this.classifier.forward(out.hiddenStates);
    else {
      const p = this.config.classifierDropout ?? this.config.hiddenDropoutProb;
      logits = this.classifier.forward(dropout(out.pooledOutput as Tensor, p, this.training));
    }
    const loss = input.labels === undefined ? undefined : sequenceClassificationLoss(logits, input.labels, this.config.problemType);
    return { ...out, logits, ...(loss === undefined ? {} : { loss }) };
  }
}
