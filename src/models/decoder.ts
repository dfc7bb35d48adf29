/**
 * The transformer trunk shared by every head (`model.*` in Hugging Face checkpoints):
 * token embedding, N pre-norm blocks, final RMSNorm.
 */
import { Embedding, RMSNorm } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { arange, zeros, type Tensor } from '../tensor/index.js';
import { DecoderKvCache } from './cache.js';
import type { DecoderConfig } from './config.js';
import { SelfAttention, type AttentionContext } from './attention.js';
import { GatedMlp } from './mlp.js';
import { defaultPositions, RotaryEmbedding } from './rope.js';
import type { CausalLmInput, KvCache } from './types.js';

export class DecoderLayer extends Module {
  readonly inputLayernorm: RMSNorm;
  readonly selfAttn: SelfAttention;
  readonly postAttentionLayernorm: RMSNorm;
  readonly mlp: GatedMlp;

  constructor(config: DecoderConfig, index: number) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.inputLayernorm = this.child('input_layernorm', new RMSNorm(config.hiddenSize, config.rmsNormEps, { dtype }));
    this.selfAttn = this.child('self_attn', new SelfAttention(config, index));
    this.postAttentionLayernorm = this.child('post_attention_layernorm', new RMSNorm(config.hiddenSize, config.rmsNormEps, { dtype }));
    this.mlp = this.child('mlp', new GatedMlp(config));
  }

  forward(x: Tensor, ctx: AttentionContext): Tensor {
    const h = x.add(this.selfAttn.forward(this.inputLayernorm.forward(x), ctx));
    return h.add(this.mlp.forward(this.postAttentionLayernorm.forward(h)));
  }
}

export class DecoderModel extends Module {
  readonly embedTokens: Embedding;
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: RMSNorm;
  readonly rotary: RotaryEmbedding;

  constructor(readonly config: DecoderConfig) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.embedTokens = this.child('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize, { dtype }));
    this.layers = this.child('layers', new ModuleList(Array.from({ length: config.numLayers }, (_, i) => new DecoderLayer(config, i))));
    this.norm = this.child('norm', new RMSNorm(config.hiddenSize, config.rmsNormEps, { dtype }));
    this.rotary = new RotaryEmbedding(config);
  }

  newCache(): DecoderKvCache {
    return new DecoderKvCache(this.config.numLayers);
  }

  /** -> final hidden states (B, T, H) */
  forward(input: CausalLmInput): Tensor {
    const { inputIds, inputsEmbeds, attentionMask, positionIds } = input;
    if ((inputIds === undefined) === (inputsEmbeds === undefined)) {
      throw new TypeError('forward: pass exactly one of inputIds or inputsEmbeds');
    }
    const cache = input.cache === undefined ? undefined : asDecoderCache(input.cache);
    let h = inputsEmbeds ?? this.embedTokens.forward(inputIds as Tensor); // (B, T, H)
    const [B, T] = h.shape as [number, number, number];
    const past = cache?.length ?? 0;
    if (attentionMask && attentionMask.size(1) !== past + T) {
      throw new RangeError(`forward: attentionMask covers ${attentionMask.size(1)} positions but the cache holds ${past} and the input ${T}`);
    }
    const { cos, sin } = this.rotary.tables(positionIds ?? defaultPositions(B, T, past), h.dtype);
    const ctx: AttentionContext = { cos, sin, ...this.attentionMask(attentionMask, B, T, past, h.dtype), cache };
    for (const layer of this.layers) h = layer.forward(h, ctx);
    return this.norm.forward(h);
  }

  /**
   * The attention mask as sdpa takes it. Without padding, the causal flag alone does (and lets
   * libtorch use its fused kernel); otherwise an additive mask with the dtype's lowest finite
   * value, as transformers builds, so fully masked pad rows stay finite.
   */
  private attentionMask(
    paddingMask: Tensor | undefined,
    batch: number,
    length: number,
    past: number,
    dtype: Tensor['dtype'],
  ): { mask: Tensor | null; isCausal: boolean } {
    const causal = this.config.isCausal;
    if (paddingMask === undefined) {
      if (!causal || length === 1) return { mask: null, isCausal: false };
      if (past === 0) return { mask: null, isCausal: true };
    }
    const total = past + length;
    // allowed[b, 0, i, j]: query i (at position past + i) may read key j.
    let allowed = paddingMask === undefined ? null : paddingMask.ne(0).view(batch, 1, 1, total);
    if (causal) {
      const keys = arange(total).unsqueeze(0); // (1, S)
      const queries = arange(past, total).unsqueeze(1); // (T, 1)
      const causalAllowed = keys.le(queries).view(1, 1, length, total);
      allowed = allowed === null ? causalAllowed : allowed.logicalAnd(causalAllowed);
    }
    const lowest = LOWEST[dtype] ?? LOWEST.float32;
    const mask = zeros([1], { dtype }).maskedFill((allowed as Tensor).logicalNot(), lowest as number);
    return { mask, isCausal: false };
  }

  override dispose(): void {
    super.dispose();
    this.rotary.dispose();
  }
}

const LOWEST: Partial<Record<Tensor['dtype'], number>> = {
  float32: -3.4028234663852886e38,
  float64: -1.7976931348623157e308,
  bfloat16: -3.3895313892515355e38,
  float16: -65504,
};

function asDecoderCache(cache: KvCache): DecoderKvCache {
  if (!(cache instanceof DecoderKvCache)) throw new TypeError('forward: the cache must come from this model\'s newCache()');
  return cache;
}
