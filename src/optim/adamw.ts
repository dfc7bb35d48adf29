/**
 * AdamW (Loshchilov & Hutter, 2019, Algorithm 2) with torch.optim.AdamW semantics: weight
 * decay shrinks the parameter directly (p *= 1 - lr·wd) instead of entering the gradient,
 * so it is not rescaled by the adaptive denominator. Default weightDecay 1e-2.
 *
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1, betas: [0.9, 0.95] });
 * ```
 */
import type { Tensor } from '../tensor/index.js';
import { Adam, ADAM_DEFAULTS, type AdamOptions, type WeightDecayMode } from './adam.js';
import type { ParamGroupInput } from './optimizer.js';

export const ADAMW_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2 });

export class AdamW extends Adam {
  protected override readonly decay: WeightDecayMode = 'decoupled';

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { ...ADAMW_DEFAULTS, ...options });
  }
}
