/**
 * A decoder trunk with a sequence score head (Hugging Face `*ForSequenceClassification`):
 * reward models score a whole sequence from one pooled hidden state.
 *
 * ```ts
 * const rm = SequenceScoreModel.fromPretrained('tiny-qwen2-rm');
 * const { scores } = rm.forward({ inputIds, attentionMask });   // (B, 1)
 * ```
 */
import { Linear } from '../nn/layers.js';
import { withEmptyInit } from '../nn/empty-init.js';
import { Module } from '../nn/module.js';
import { noGrad, onesLike, type DType, type Tensor } from '../tensor/index.js';
import { toHfConfig, type DecoderConfig } from './config.js';
import { DecoderModel } from './decoder.js';
import { pool, type Pooling } from './heads.js';
import { initDecoderWeights } from './init.js';
import { labelMaps, numLabelsOf } from './labels.js';
import { loadPretrainedWeights, readConfig, savePretrained } from './pretrained.js';

export interface SequenceScoreOptions {
  numLabels?: number;
  /** How the sequence becomes one vector (default 'last', as transformers). */
  pooling?: Pooling;
}

const CLASSIFIER: Record<DecoderConfig['modelType'], string> = {
  llama: 'LlamaForSequenceClassification',
  qwen2: 'Qwen2ForSequenceClassification',
  mistral: 'MistralForSequenceClassification',
};

export class SequenceScoreModel extends Module {
  readonly model: DecoderModel;
  readonly score: Linear;
  readonly numLabels: number;
  readonly pooling: Pooling;

  constructor(readonly config: DecoderConfig, options: SequenceScoreOptions = {}) {
    super();
    this.numLabels = options.numLabels ?? 1;
    this.pooling = options.pooling ?? 'last';
    this.model = this.child('model', new DecoderModel(config));
    this.score = this.child('score', new Linear(config.hiddenSize, this.numLabels, { bias: false, dtype: config.dtype ?? 'float32' }));
  }

  static fromConfig(config: DecoderConfig, options: SequenceScoreOptions = {}): SequenceScoreModel {
    const m = new SequenceScoreModel(config, options);
    initDecoderWeights(m, config.initializerRange);
    return m;
  }

  /**
   * From a reward-model directory, or from a causal LM's (the score head then starts as
   * N(0, initializerRange), as transformers initialises a new head).
   */
  static fromPretrained(dir: string, options: SequenceScoreOptions & { dtype?: DType } = {}): SequenceScoreModel {
    const { config, raw } = readConfig(dir);
    const labels = numLabelsOf(raw);
    // Uninitialised until loaded; a missing score head is initialised below.
    const m = withEmptyInit(() => new SequenceScoreModel({ ...config, dtype: options.dtype ?? 'float32' }, { numLabels: labels, ...options }));
    try {
      const missing = loadPretrainedWeights(m, dir, {
        allowMissing: (key) => key === 'score.weight',
        ignoreUnexpected: (key) => key === 'lm_head.weight',
      });
      if (missing.includes('score.weight')) noGrad(() => m.score.weight.normal_(0, config.initializerRange));
    } catch (err) {
      m.dispose();
      throw err;
    }
    return m.eval();
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return { ...toHfConfig({ ...this.config, dtype }, CLASSIFIER[this.config.modelType]), ...labelMaps(this.numLabels) };
  }

  /** Writes a directory transformers loads as *ForSequenceClassification. */
  savePretrained(dir: string): void {
    savePretrained(this, dir);
  }

  /**
   * Scores (B, numLabels) from the pooled final hidden state. Without an attention mask, pad
   * tokens (config.padTokenId) are excluded as transformers does.
   */
  forward(input: { inputIds?: Tensor; inputsEmbeds?: Tensor; attentionMask?: Tensor; positionIds?: Tensor }): { scores: Tensor; hiddenStates: Tensor } {
    const hiddenStates = this.model.forward(input); // (B, T, H)
    const mask = input.attentionMask ?? this.padMask(input.inputIds) ?? onesLike(hiddenStates.select(-1, 0));
    return { scores: this.score.forward(pool(hiddenStates, mask, this.pooling)), hiddenStates };
  }

  private padMask(ids: Tensor | undefined): Tensor | undefined {
    const pad = this.config.padTokenId;
    return ids && pad !== undefined ? ids.ne(pad) : undefined;
  }
}
