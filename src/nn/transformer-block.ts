/**
 * A pre-norm decoder block (Llama/Qwen2 layout without rotary embeddings): grouped-query
 * causal self-attention and a SwiGLU MLP, each behind an RMSNorm and a residual. Used by the
 * demo and the core benchmark; the full models with RoPE live in src/models.
 */
import { scaledDotProductAttention, siluMul } from './functional.js';
import { Linear, RMSNorm } from './layers.js';
import { Module } from './module.js';
import type { Tensor } from '../tensor/tensor.js';

export interface TransformerBlockConfig {
  hidden: number;
  intermediate: number;
  heads: number;
  /** Key/value heads; fewer than `heads` shares each across heads / kvHeads query heads. */
  kvHeads: number;
  eps?: number;
}

class Attention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  private readonly headDim: number;

  constructor(private readonly cfg: TransformerBlockConfig) {
    super();
    if (cfg.hidden % cfg.heads !== 0) throw new Error(`hidden (${cfg.hidden}) must be divisible by heads (${cfg.heads})`);
    if (cfg.heads % cfg.kvHeads !== 0) throw new Error(`heads (${cfg.heads}) must be divisible by kvHeads (${cfg.kvHeads})`);
    this.headDim = cfg.hidden / cfg.heads;
    this.q = this.child('q_proj', new Linear(cfg.hidden, cfg.heads * this.headDim));
    this.k = this.child('k_proj', new Linear(cfg.hidden, cfg.kvHeads * this.headDim));
    this.v = this.child('v_proj', new Linear(cfg.hidden, cfg.kvHeads * this.headDim));
    this.o = this.child('o_proj', new Linear(cfg.heads * this.headDim, cfg.hidden, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    const [B, T] = x.shape as [number, number, number];
    const { heads, kvHeads } = this.cfg;
    const q = this.q.forward(x).view(B, T, heads, this.headDim).transpose(1, 2); // (B, H, T, D)
    let k = this.k.forward(x).view(B, T, kvHeads, this.headDim).transpose(1, 2); // (B, KV, T, D)
    let v = this.v.forward(x).view(B, T, kvHeads, this.headDim).transpose(1, 2);
    if (kvHeads !== heads) {
      k = k.repeatInterleave(heads / kvHeads, 1); // (B, H, T, D)
      v = v.repeatInterleave(heads / kvHeads, 1);
    }
    const y = scaledDotProductAttention(q, k, v, { isCausal: true }); // (B, H, T, D)
    return this.o.forward(y.transpose(1, 2).reshape(B, T, heads * this.headDim));
  }
}

class SwiGlu extends Module {
  readonly gate: Linear;
  readonly up: Linear;
  readonly down: Linear;

  constructor(hidden: number, intermediate: number) {
    super();
    this.gate = this.child('gate_proj', new Linear(hidden, intermediate, { bias: false }));
    this.up = this.child('up_proj', new Linear(hidden, intermediate, { bias: false }));
    this.down = this.child('down_proj', new Linear(intermediate, hidden, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    return this.down.forward(siluMul(this.gate.forward(x), this.up.forward(x)));
  }
}

export class TransformerBlock extends Module {
  readonly inputNorm: RMSNorm;
  readonly attn: Attention;
  readonly postNorm: RMSNorm;
  readonly mlp: SwiGlu;

  constructor(readonly config: TransformerBlockConfig) {
    super();
    const eps = config.eps ?? 1e-6;
    this.inputNorm = this.child('input_layernorm', new RMSNorm(config.hidden, eps));
    this.attn = this.child('self_attn', new Attention(config));
    this.postNorm = this.child('post_attention_layernorm', new RMSNorm(config.hidden, eps));
    this.mlp = this.child('mlp', new SwiGlu(config.hidden, config.intermediate));
  }

  /** x: (B, T, hidden) -> (B, T, hidden) */
  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.inputNorm.forward(x)));
    return h.add(this.mlp.forward(this.postNorm.forward(h)));
  }
}
