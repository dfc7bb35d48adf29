/**
 * A decoder with a language-model head (Hugging Face `*ForCausalLM`): logits over the vocabulary
 * for every position. With tied embeddings the head reuses `model.embed_tokens.weight`.
 *
 * ```ts
 * const lm = CausalLM.fromConfig(decoderConfig({ numLayers: 2 }));   // from scratch
 * const { logits } = lm.forward({ inputIds });                       // (B, T, vocab)
 * ```
 */
import { Linear } from '../nn/layers.js';
import { linear } from '../nn/functional.js';
import { Module } from '../nn/module.js';
import type { DType, Tensor } from '../tensor/index.js';
import type { DecoderKvCache } from './cache.js';
import { toHfConfig, type DecoderConfig } from './config.js';
import { DecoderModel } from './decoder.js';
import { initDecoderWeights } from './init.js';
import { lastPositions } from './logits-to-keep.js';
import type { CausalLm, CausalLmInput, CausalLmOutput, FusableHeadLm, KvCacheOptions } from './types.js';

export class CausalLM extends Module implements CausalLm, FusableHeadLm {
  readonly model: DecoderModel;
  /** Null when tied to the input embedding. */
  readonly lmHead: Linear | null;
  /** Losses and log-probs through the fused chunked head (models/lm-loss.ts); false: through the logits. */
  fusedLmLoss = true;

  constructor(readonly config: DecoderConfig) {
    super();
    this.model = this.child('model', new DecoderModel(config));
    this.lmHead = config.tieWordEmbeddings
      ? null
      : this.child('lm_head', new Linear(config.hiddenSize, config.vocabSize, { bias: false, dtype: config.dtype ?? 'float32' }));
  }

  /** A freshly initialised model (transformers' init: N(0, initializerRange)). */
  static fromConfig(config: DecoderConfig): CausalLM {
    const lm = new CausalLM(config);
    initDecoderWeights(lm, config.initializerRange);
    return lm;
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return toHfConfig({ ...this.config, dtype });
  }

  newCache(options: KvCacheOptions = {}): DecoderKvCache {
    return this.model.newCache(options);
  }

  forward(input: CausalLmInput): CausalLmOutput {
    const hiddenStates = this.model.forward(input);
    return { hiddenStates, logits: this.logitsOf(lastPositions(hiddenStates, input.logitsToKeep)) };
  }

  forwardHidden(input: CausalLmInput): Tensor {
    return this.model.forward(input);
  }

  outputWeight(): Tensor | null {
    if (this.lmHead === null) return this.model.embedTokens.weight;
    return this.lmHead.adapter === null && this.lmHead.bias === null ? this.lmHead.weight : null;
  }

  /** hidden (..., H) -> logits (..., vocab) */
  logitsOf(hiddenStates: Tensor): Tensor {
    return this.lmHead ? this.lmHead.forward(hiddenStates) : linear(hiddenStates, this.model.embedTokens.weight);
  }
}
