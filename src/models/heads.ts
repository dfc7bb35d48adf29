/**
 * Heads over the decoder trunk: a per-token value head (PPO critics), a sequence score head
 * (reward models, Hugging Face `*ForSequenceClassification`) and a regression head for
 * process reward models.
 */
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { arange, type Device, type DType, type Tensor } from '../tensor/index.js';

/** How a sequence of hidden states becomes one vector (see pool). */
export const POOLINGS = ['mean', 'last', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

/**
 * One vector per sequence from hidden states (B, T, H):
 * - `last`: the last position whose mask is 1 (with right padding, the last real token),
 *   found like transformers: argmax(arange(T) · mask);
 * - `mean` / `max`: over the positions whose mask is 1.
 */
export function pool(hidden: Tensor, mask: Tensor, pooling: Pooling): Tensor {
  const [B, T, H] = hidden.shape as [number, number, number];
  const keep = mask.ne(0); // (B, T)
  switch (pooling) {
    case 'last': {
      const last = arange(T, undefined, 1, { device: hidden.device as Device }).mul(keep).argmax({ dim: -1 }); // (B)
      return hidden.gather(1, last.view(B, 1, 1).expand(B, 1, H)).squeeze(1); // (B, H)
    }
    case 'mean': {
      const m = keep.unsqueeze(-1).to(hidden.dtype); // (B, T, 1)
      return hidden.mul(m).sum({ dim: 1 }).div(m.sum({ dim: 1 }).clamp(1)); // (B, H)
    }
    case 'max':
      return hidden.maskedFill(keep.logicalNot().unsqueeze(-1), -Infinity).max({ dim: 1 }); // (B, H)
    default: {
      const never: never = pooling;
      throw new TypeError(`pool: unknown pooling '${String(never)}'`);
    }
  }
}

/** Per-token scalar (B, T, H) -> (B, T), TRL's `v_head.summary`. */
export class ValueHead extends Module {
  readonly summary: Linear;

  constructor(hidden: number, dtype: DType = 'float32') {
    super();
    this.summary = this.child('summary', new Linear(hidden, 1, { dtype }));
  }

  forward(hidden: Tensor): Tensor {
    return this.summary.forward(hidden).squeeze(-1);
  }
}

/** Linear -> GELU -> Linear -> Sigmoid: a probability per token, for process reward models. */
export class RegressionHead extends Module {
  readonly dense: Linear;
  readonly out: Linear;

  constructor(hidden: number, dtype: DType = 'float32') {
    super();
    this.dense = this.child('dense', new Linear(hidden, hidden, { dtype }));
    this.out = this.child('out_proj', new Linear(hidden, 1, { dtype }));
  }

  /** (..., H) -> (...) in (0, 1) */
  forward(hidden: Tensor): Tensor {
    return this.out.forward(this.dense.forward(hidden).gelu()).sigmoid().squeeze(-1);
  }
}
