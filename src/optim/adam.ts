/**
 * Adam (Kingma & Ba, 2015, Algorithm 1) with torch.optim.Adam semantics: weight decay is L2,
 * added to the gradient before the moments. AdamW (adamw.ts) shares this update with the
 * decay decoupled from the gradient instead.
 *
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
import { native } from '../native/binding.js';
import { keep, zerosLike, type Tensor } from '../tensor/index.js';
import { numberField, Optimizer, tensorField, type OptimizerOptions, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square. Default [0.9, 0.999]. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad, Reddi et al. 2018). Default false. */
  amsgrad: boolean;
}

export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({
  lr: 1e-3,
  betas: [0.9, 0.999] as const,
  eps: 1e-8,
  weightDecay: 0,
  amsgrad: false,
});

/** Per-parameter Adam state, with PyTorch's names in camelCase. */
export type AdamState = {
  /** Updates applied so far (drives the bias corrections). */
  step: number;
  /** First moment m, the running average of the gradient. */
  expAvg: Tensor;
  /** Second moment v, the running average of the squared gradient. */
  expAvgSq: Tensor;
  /** max(v) over all steps, with amsgrad only. */
  maxExpAvgSq?: Tensor;
};

/** How weight decay enters the update: Adam's L2 term or AdamW's decoupled shrink. */
export type WeightDecayMode = 'l2' | 'decoupled';

export class Adam extends Optimizer<AdamOptions, AdamState> {
  protected readonly decay: WeightDecayMode = 'l2';

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { ...ADAM_DEFAULTS, ...options });
  }

  protected override initState(param: Tensor, group: ParamGroup<AdamOptions>): AdamState {
    const state: AdamState = { step: 0, expAvg: keep(zerosLike(param)), expAvgSq: keep(zerosLike(param)) };
    if (group.amsgrad) state.maxExpAvgSq = keep(zerosLike(param));
    return state;
  }

  protected override updateParam(param: Tensor, grad: Tensor, state: AdamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(param, grad, state, group, this.decay);
  }

  protected override checkState(raw: Record<string, Tensor | number>, group: ParamGroup<AdamOptions>, where: string): AdamState {
    const state: AdamState = {
      step: numberField(raw, 'step', where),
      expAvg: tensorField(raw, 'expAvg', where),
      expAvgSq: tensorField(raw, 'expAvgSq', where),
    };
    if (group.amsgrad) state.maxExpAvgSq = tensorField(raw, 'maxExpAvgSq', where);
    return state;
  }

  protected override checkOptions(o: AdamOptions, where: string): void {
    checkAdamOptions(this.constructor.name, o, where);
  }
}

/**
 * One Adam/AdamW step on one parameter (`native/src/optim.cc`): a fused loop for float32 on the
 * CPU, otherwise operation for operation as PyTorch's _single_tensor_adam(w), so float64 results
 * agree to rounding:
 *   decoupled: p *= 1 - lr·wd        l2: g += wd·p
 *   m = lerp(m, g, 1 - β1);  v = β2·v + (1 - β2)·g²;  amsgrad: v̂ = max(v̂, v)
 *   p -= lr / (1 - β1^t) · m / (sqrt(v or v̂) / sqrt(1 - β2^t) + eps)
 */
export function adamUpdate(param: Tensor, grad: Tensor, state: AdamState, group: AdamOptions, decay: WeightDecayMode): void {
  const [beta1, beta2] = group.betas;
  state.step += 1;
  native.adamStep_(param.handle, grad.handle, state.expAvg.handle, state.expAvgSq.handle, state.maxExpAvgSq?.handle ?? null,
    group.lr, beta1, beta2, group.eps, group.weightDecay, decay === 'decoupled', state.step);
}

export function checkAdamOptions(name: string, o: AdamOptions, where: string): void {
  const at = `${name} (${where})`;
  if (!(o.lr >= 0)) throw new RangeError(`${at}: lr (${o.lr}) must be >= 0`);
  if (!(o.eps >= 0)) throw new RangeError(`${at}: eps (${o.eps}) must be >= 0`);
  if (!(o.weightDecay >= 0)) throw new RangeError(`${at}: weightDecay (${o.weightDecay}) must be >= 0`);
  if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new TypeError(`${at}: betas must be a pair [beta1, beta2], got ${JSON.stringify(o.betas)}`);
  o.betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) throw new RangeError(`${at}: betas[${i}] (${b}) must be in [0, 1)`);
  });
  if (typeof o.amsgrad !== 'boolean') throw new TypeError(`${at}: amsgrad must be a boolean, got ${String(o.amsgrad)}`);
}
