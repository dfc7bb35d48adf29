/** Multi-head self-attention with grouped-query heads, rotary positions and a KV cache. */
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { packedCausalAttention, rotaryEmbedding, scaledDotProductAttention } from '../nn/functional.js';
import type { Tensor } from '../tensor/index.js';
import type { DecoderKvCache } from './cache.js';
import type { DecoderConfig } from './config.js';
import type { AttentionMasking } from './masks.js';

export interface AttentionContext extends AttentionMasking {
  cos: Tensor;
  sin: Tensor;
  cache?: DecoderKvCache;
  /** Padding-free input (batch 1, sequences end to end): where each sequence starts, then N. */
  packedStarts?: Tensor;
}

export class SelfAttention extends Module {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly oProj: Linear;

  constructor(private readonly config: DecoderConfig, private readonly layerIndex: number) {
    super();
    const { hiddenSize: h, numHeads, numKvHeads, headDim, qkvBias, oBias } = config;
    if (numHeads % numKvHeads !== 0) {
      throw new Error(`num_attention_heads (${numHeads}) must be divisible by num_key_value_heads (${numKvHeads})`);
    }
    const dtype = config.dtype ?? 'float32';
    this.qProj = this.child('q_proj', new Linear(h, numHeads * headDim, { bias: qkvBias, dtype }));
    this.kProj = this.child('k_proj', new Linear(h, numKvHeads * headDim, { bias: qkvBias, dtype }));
    this.vProj = this.child('v_proj', new Linear(h, numKvHeads * headDim, { bias: qkvBias, dtype }));
    this.oProj = this.child('o_proj', new Linear(numHeads * headDim, h, { bias: oBias, dtype }));
  }

  /** x (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: AttentionContext): Tensor {
    const [B, T] = x.shape as [number, number, number];
    const { numHeads, numKvHeads, headDim } = this.config;
    const q = rotaryEmbedding(this.qProj.forward(x).view(B, T, numHeads, headDim).transpose(1, 2), ctx.cos, ctx.sin); // (B, nH, T, d)
    let k = rotaryEmbedding(this.kProj.forward(x).view(B, T, numKvHeads, headDim).transpose(1, 2), ctx.cos, ctx.sin); // (B, nKV, T, d)
    let v = this.vProj.forward(x).view(B, T, numKvHeads, headDim).transpose(1, 2); // (B, nKV, T, d)
    if (ctx.cache) ({ keys: k, values: v } = ctx.cache.update(this.layerIndex, k, v)); // (B, nKV, P+T, d)
    // Query head h reads key/value head h / (nH / nKV).
    const enableGqa = numKvHeads !== numHeads;
    const y = ctx.packedStarts !== undefined
      ? packedCausalAttention(q, k, v, ctx.packedStarts, headDim ** -0.5)
      : scaledDotProductAttention(q, k, v, { mask: ctx.mask, isCausal: ctx.isCausal, maskIsCausal: ctx.maskIsCausal, enableGqa, scale: headDim ** -0.5 }); // (B, nH, T, d)
    return this.oProj.forward(y.transpose(1, 2).reshape(B, T, numHeads * headDim));
  }
}
