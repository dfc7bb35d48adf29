/**
 * GPT-2 (Radford et al. 2019): learned positions, pre-LayerNorm blocks, fused qkv projection
 * stored as Conv1D (weight (in, out)), GELU-tanh MLP; transformers' `GPT2LMHeadModel` keys.
 */
import { runLayers } from '../../nn/checkpoint.js';
import { Conv1D, Embedding, LayerNorm } from '../../nn/layers.js';
import { dropout, linear, scaledDotProductAttention } from '../../nn/functional.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { noGrad, tidy, type Device, type DType, type Tensor } from '../../tensor/index.js';
import { asDecoderCache, DecoderKvCache } from '../cache.js';
import { lastPositions } from '../logits-to-keep.js';
import { attentionMaskFor, type AttentionMasking } from '../masks.js';
import { defaultPositions } from '../rope.js';
import type { CausalLm, CausalLmInput, CausalLmOutput, FusableHeadLm, KvCacheOptions } from '../types.js';
import { gpt2ToHfConfig, type Gpt2Config } from './config.js';

class Gpt2Attention extends Module {
  readonly cAttn: Conv1D;
  readonly cProj: Conv1D;

  constructor(private readonly config: Gpt2Config, private readonly layerIndex: number) {
    super();
    const dtype = config.dtype ?? 'float32';
    if (config.nEmbd % config.nHead !== 0) throw new Error(`n_embd (${config.nEmbd}) must be divisible by n_head (${config.nHead})`);
    this.cAttn = this.child('c_attn', new Conv1D(config.nEmbd, 3 * config.nEmbd, dtype));
    this.cProj = this.child('c_proj', new Conv1D(config.nEmbd, config.nEmbd, dtype));
  }

  forward(x: Tensor, { mask, isCausal, maskIsCausal }: AttentionMasking, cache?: DecoderKvCache): Tensor {
    const [B, T, E] = x.shape as [number, number, number];
    const { nHead } = this.config;
    const d = E / nHead;
    const heads = (t: Tensor) => t.view(B, T, nHead, d).transpose(1, 2); // (B, nH, T, d)
    const [q, k0, v0] = this.cAttn.forward(x).split(E, -1) as [Tensor, Tensor, Tensor];
    let k = heads(k0);
    let v = heads(v0);
    if (cache) ({ keys: k, values: v } = cache.update(this.layerIndex, k, v));
    const p = this.training ? this.config.attnPdrop : 0;
    const y = scaledDotProductAttention(heads(q), k, v, { mask, isCausal, maskIsCausal, dropout: p, scale: d ** -0.5 });
    return dropout(this.cProj.forward(y.transpose(1, 2).reshape(B, T, E)), this.config.residPdrop, this.training);
  }
}

class Gpt2Mlp extends Module {
  readonly cFc: Conv1D;
  readonly cProj: Conv1D;

  constructor(private readonly config: Gpt2Config) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.cFc = this.child('c_fc', new Conv1D(config.nEmbd, config.nInner, dtype));
    this.cProj = this.child('c_proj', new Conv1D(config.nInner, config.nEmbd, dtype));
  }

  forward(x: Tensor): Tensor {
    const h = this.cFc.forward(x);
    const act = this.config.activation;
    const a = act === 'relu' ? h.relu() : h.gelu(act === 'gelu' ? 'none' : 'tanh');
    return dropout(this.cProj.forward(a), this.config.residPdrop, this.training);
  }
}

class Gpt2Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: Gpt2Attention;
  readonly ln2: LayerNorm;
  readonly mlp: Gpt2Mlp;

  constructor(config: Gpt2Config, index: number) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.ln1 = this.child('ln_1', new LayerNorm(config.nEmbd, config.layerNormEps, { dtype }));
    this.attn = this.child('attn', new Gpt2Attention(config, index));
    this.ln2 = this.child('ln_2', new LayerNorm(config.nEmbd, config.layerNormEps, { dtype }));
    this.mlp = this.child('mlp', new Gpt2Mlp(config));
  }

  forward(x: Tensor, masking: AttentionMasking, cache?: DecoderKvCache): Tensor {
    const h = x.add(this.attn.forward(this.ln1.forward(x), masking, cache));
    return h.add(this.mlp.forward(this.ln2.forward(h)));
  }
}

/** The trunk, `transformer.*` in checkpoints. */
export class Gpt2Model extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Gpt2Block>;
  readonly lnF: LayerNorm;

  constructor(readonly config: Gpt2Config) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.wte = this.child('wte', new Embedding(config.vocabSize, config.nEmbd, { dtype }));
    this.wpe = this.child('wpe', new Embedding(config.nPositions, config.nEmbd, { dtype }));
    this.h = this.child('h', new ModuleList(Array.from({ length: config.nLayer }, (_, i) => new Gpt2Block(config, i))));
    this.lnF = this.child('ln_f', new LayerNorm(config.nEmbd, config.layerNormEps, { dtype }));
  }

  forward(input: CausalLmInput): Tensor {
    const { inputIds, inputsEmbeds, attentionMask, positionIds } = input;
    if ((inputIds === undefined) === (inputsEmbeds === undefined)) {
      throw new TypeError('forward: pass exactly one of inputIds or inputsEmbeds');
    }
    const cache = input.cache === undefined ? undefined : asDecoderCache(input.cache);
    const tokens = inputsEmbeds ?? this.wte.forward(inputIds as Tensor); // (B, T, E)
    const [B, T] = tokens.shape as [number, number, number];
    const past = cache?.length ?? 0;
    if (past + T > this.config.nPositions) {
      throw new RangeError(`forward: ${past + T} positions exceed GPT-2's n_positions (${this.config.nPositions})`);
    }
    let h = dropout(tokens.add(this.wpe.forward(positionIds ?? defaultPositions(B, T, past, tokens.device as Device))), this.config.embdPdrop, this.training);
    const masking = attentionMaskFor(attentionMask, { batch: B, length: T, past, dtype: h.dtype, device: h.device as Device, causal: true });
    h = runLayers(this.h, h, masking, (block, x) => block.forward(x, masking, cache));
    return this.lnF.forward(h);
  }
}

/** GPT-2 with its language-model head (tied to `transformer.wte` unless the config says not). */
export class Gpt2LMHeadModel extends Module implements CausalLm, FusableHeadLm {
  readonly transformer: Gpt2Model;
  readonly lmHead: Embedding | null;
  /** Losses and log-probs through the fused chunked head (models/lm-loss.ts); false: through the logits. */
  fusedLmLoss = true;

  constructor(readonly config: Gpt2Config) {
    super();
    this.transformer = this.child('transformer', new Gpt2Model(config));
    // An untied head is a (vocab, n_embd) matrix, stored like an embedding table.
    this.lmHead = config.tieWordEmbeddings ? null : this.child('lm_head', new Embedding(config.vocabSize, config.nEmbd, { dtype: config.dtype ?? 'float32' }));
  }

  /** transformers' GPT-2 init: N(0, initializer_range), c_proj scaled by 1/sqrt(2·n_layer), unit LayerNorms. */
  static fromConfig(config: Gpt2Config): Gpt2LMHeadModel {
    const m = new Gpt2LMHeadModel(config);
    noGrad(() => {
      for (const [name, p] of m.namedParameters()) {
        if (name.endsWith('.bias')) p.zero_();
        else if (p.ndim === 1) p.fill_(1);
        else if (name.endsWith('c_proj.weight')) p.normal_(0, config.initializerRange / Math.sqrt(2 * config.nLayer));
        else p.normal_(0, config.initializerRange);
      }
    });
    return m;
  }

  newCache(options: KvCacheOptions = {}): DecoderKvCache {
    return new DecoderKvCache(this.config.nLayer, options);
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return gpt2ToHfConfig(this.config, dtype);
  }

  forwardHidden(input: CausalLmInput): Tensor {
    return this.transformer.forward(input);
  }

  outputWeight(): Tensor {
    return this.lmHead?.weight ?? this.transformer.wte.weight;
  }

  forward(input: CausalLmInput): CausalLmOutput {
    const hiddenStates = this.transformer.forward(input);
    const head = this.lmHead?.weight ?? this.transformer.wte.weight;
    return { hiddenStates, logits: linear(lastPositions(hiddenStates, input.logitsToKeep), head) };
  }
}
