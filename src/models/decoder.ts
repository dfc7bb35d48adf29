/**
 * The transformer trunk shared by every head (`model.*` in Hugging Face checkpoints):
 * token embedding, N pre-norm blocks, final RMSNorm.
 */
import { runLayers } from '../nn/checkpoint.js';
import { Embedding, RMSNorm } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { tidy, type Device, type Tensor } from '../tensor/index.js';
import { asDecoderCache, DecoderKvCache } from './cache.js';
import type { DecoderConfig } from './config.js';
import { SelfAttention, type AttentionContext } from './attention.js';
import { GatedMlp } from './mlp.js';
import { defaultPositions, RotaryEmbedding } from './rope.js';
import { attentionMaskFor, packedSegments } from './masks.js';
import type { CausalLmInput, KvCacheOptions } from './types.js';
import { pack, unpack, unpaddedLayout, type UnpaddedLayout } from './unpadded.js';
import { packedAttentionAvailable } from '../nn/functional.js';

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
    this.rotary = this.child('rotary_emb', new RotaryEmbedding(config));
  }

  newCache(options: KvCacheOptions = {}): DecoderKvCache {
    return new DecoderKvCache(this.config.numLayers, options);
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
    const window = this.config.slidingWindow;
    if (window !== undefined && past + T > window) {
      throw new RangeError(`forward: ${past + T} positions exceed the sliding window (${window}); sliding-window attention is not implemented, so only sequences within the window are exact`);
    }
    const positions = positionIds ?? defaultPositions(B, T, past, h.device as Device);
    // Without an attention mask, position ids that restart at 0 inside a row mark packed sequences (SFT
    // packing; transformers detects them the same way): attention stays within each.
    const segmentIds = positionIds !== undefined && attentionMask === undefined && past === 0 && cache === undefined ? packedSegments(positionIds) : undefined;
    if ((attentionMask !== undefined || segmentIds !== undefined) && this.runsUnpadded(h, cache, past)) {
      const layout = unpaddedLayout(B, T, attentionMask, segmentIds);
      if (layout.real > 0) return this.forwardUnpadded(h, positions, layout);
    }
    const { cos, sin } = this.rotary.tables(positions, h.dtype);
    const shape = { batch: B, length: T, past, dtype: h.dtype, device: h.device as Device, causal: this.config.isCausal, ...(segmentIds === undefined ? {} : { segmentIds }) };
    const ctx: AttentionContext = { cos, sin, ...attentionMaskFor(attentionMask, shape), cache };
    // One scope per layer: its temporaries are freed when it returns (autograd keeps what backward
    // needs), so a long prefill holds one layer's intermediates at a time, not all of them.
    h = runLayers(this.layers, h, ctx, (layer, x) => layer.forward(x, ctx));
    return this.norm.forward(h);
  }

  /** Padded or packed rows without a cache run padding-free where the packed attention kernel can. */
  private runsUnpadded(h: Tensor, cache: DecoderKvCache | undefined, past: number): boolean {
    return this.config.isCausal && cache === undefined && past === 0 && h.device === 'cpu' && h.dtype === 'float32' && packedAttentionAvailable();
  }

  /** The real positions end to end through every layer; pads come back as zeros. */
  private forwardUnpadded(embeds: Tensor, positions: Tensor, layout: UnpaddedLayout): Tensor {
    let h = pack(embeds, layout); // (1, N, H)
    const { cos, sin } = this.rotary.tables(pack(positions, layout), h.dtype);
    const ctx: AttentionContext = { cos, sin, mask: null, isCausal: false, maskIsCausal: false, packedStarts: layout.starts };
    h = runLayers(this.layers, h, ctx, (layer, x) => layer.forward(x, ctx));
    return unpack(this.norm.forward(h), layout);
  }
}
