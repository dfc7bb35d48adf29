/**
 * A two-layer toy causal LM whose module names follow Hugging Face Llama/Qwen2
 * (`model.layers.0.self_attn.q_proj`, `lm_head`), for the Module, LoRA and PEFT tests.
 */
import { Linear, Module, RMSNorm } from '../../src/nn/index.js';
import { ones, randn, type Tensor } from '../../src/index.js';

export const HIDDEN = 8;
export const VOCAB = 12;

class Attention extends Module {
  readonly q = this.child('q_proj', new Linear(HIDDEN, HIDDEN));
  readonly v = this.child('v_proj', new Linear(HIDDEN, HIDDEN, { bias: false }));
  forward(x: Tensor): Tensor {
    return this.q.forward(x).tanh().mul(this.v.forward(x));
  }
}

class Mlp extends Module {
  readonly up = this.child('up_proj', new Linear(HIDDEN, 2 * HIDDEN, { bias: false }));
  readonly down = this.child('down_proj', new Linear(2 * HIDDEN, HIDDEN, { bias: false }));
  forward(x: Tensor): Tensor {
    return this.down.forward(this.up.forward(x).silu());
  }
}

class DecoderLayer extends Module {
  readonly norm = this.child('input_layernorm', new RMSNorm(HIDDEN));
  readonly attn = this.child('self_attn', new Attention());
  readonly mlp = this.child('mlp', new Mlp());
  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.norm.forward(x)));
    return h.add(this.mlp.forward(h));
  }
}

/** Numbered children, as torch.nn.ModuleList names them. */
class Layers extends Module {
  readonly items: DecoderLayer[];
  constructor(n: number) {
    super();
    this.items = Array.from({ length: n }, (_, i) => this.child(String(i), new DecoderLayer()));
  }
}

class Backbone extends Module {
  readonly layers = this.child('layers', new Layers(2));
  readonly norm = this.child('norm', new RMSNorm(HIDDEN));
  /** A persistent buffer (in the state dict) and a cache that is not. */
  readonly scale = this.buffer('embed_scale', ones([HIDDEN]));
  readonly cache = this.buffer('rope_cache', ones([4]), false);
  forward(x: Tensor): Tensor {
    let h = x.mul(this.scale);
    for (const layer of this.layers.items) h = layer.forward(h);
    return this.norm.forward(h);
  }
}

export class TinyLm extends Module {
  readonly model = this.child('model', new Backbone());
  readonly head = this.child('lm_head', new Linear(HIDDEN, VOCAB, { bias: false }));
  /** x (B, T, HIDDEN) -> logits (B, T, VOCAB) */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.model.forward(x));
  }
}

/** A fixed input batch (2, 3, HIDDEN). */
export function input(): Tensor {
  return randn([2, 3, HIDDEN]);
}

/** Detached copies of every tensor in the state dict, to compare against later. */
export function snapshot(m: Module): Map<string, Tensor> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, t.detach().clone()]));
}
