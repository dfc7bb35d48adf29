/**
 * A decoder trunk with a per-token classification head (Hugging Face `*ForTokenClassification`):
 * the stepwise process reward model scores every step-separator token as correct / incorrect.
 *
 * ```ts
 * const prm = TokenClassifierModel.fromPretrained('tiny-qwen2', { numLabels: 2 });
 * const { logits } = prm.forward({ inputIds, attentionMask });   // (B, T, 2)
 * ```
 */
import { Linear } from '../nn/layers.js';
import { withEmptyInit } from '../nn/empty-init.js';
import { Module } from '../nn/module.js';
import { noGrad, type DType, type Tensor } from '../tensor/index.js';
import { toHfConfig, type DecoderConfig } from './config.js';
import { DecoderModel } from './decoder.js';
import { initDecoderWeights } from './init.js';
import { labelMaps, numLabelsOf } from './labels.js';
import { loadPretrainedWeights, readConfig, savePretrained } from './pretrained.js';

const TOKEN_CLASSIFIER: Record<DecoderConfig['modelType'], string> = {
  llama: 'LlamaForTokenClassification',
  qwen2: 'Qwen2ForTokenClassification',
  mistral: 'MistralForTokenClassification',
};

export class TokenClassifierModel extends Module {
  readonly model: DecoderModel;
  /** Linear(hidden, numLabels) with bias, as transformers' token-classification head. */
  readonly score: Linear;

  constructor(readonly config: DecoderConfig, readonly numLabels = 2) {
    super();
    this.model = this.child('model', new DecoderModel(config));
    this.score = this.child('score', new Linear(config.hiddenSize, numLabels, { bias: true, dtype: config.dtype ?? 'float32' }));
  }

  static fromConfig(config: DecoderConfig, numLabels = 2): TokenClassifierModel {
    const m = new TokenClassifierModel(config, numLabels);
    initDecoderWeights(m, config.initializerRange);
    return m;
  }

  /** From a token-classifier directory, or a causal LM's (the head then starts as N(0, initializerRange), bias 0). */
  static fromPretrained(dir: string, options: { numLabels?: number; dtype?: DType } = {}): TokenClassifierModel {
    const { config, raw } = readConfig(dir);
    const labels = numLabelsOf(raw);
    // Uninitialised until loaded; a missing head is initialised below.
    const m = withEmptyInit(() => new TokenClassifierModel({ ...config, dtype: options.dtype ?? 'float32' }, options.numLabels ?? labels ?? 2));
    try {
      const missing = loadPretrainedWeights(m, dir, {
        allowMissing: (key) => key === 'score.weight' || key === 'score.bias',
        ignoreUnexpected: (key) => key === 'lm_head.weight',
      });
      noGrad(() => {
        if (missing.includes('score.weight')) m.score.weight.normal_(0, config.initializerRange);
        if (missing.includes('score.bias')) m.score.bias?.zero_();
      });
    } catch (err) {
      m.dispose();
      throw err;
    }
    return m.eval();
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return { ...toHfConfig({ ...this.config, dtype }, TOKEN_CLASSIFIER[this.config.modelType]), ...labelMaps(this.numLabels) };
  }

  savePretrained(dir: string): void {
    savePretrained(this, dir);
  }

  /** Per-token logits (B, T, numLabels). */
  forward(input: { inputIds?: Tensor; inputsEmbeds?: Tensor; attentionMask?: Tensor }): { logits: Tensor; hiddenStates: Tensor } {
    const hiddenStates = this.model.forward(input);
    return { logits: this.score.forward(hiddenStates), hiddenStates };
  }
}
