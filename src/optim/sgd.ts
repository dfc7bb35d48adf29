/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight
 * decay, with torch.optim.SGD semantics (Sutskever et al. 2013 form of momentum):
 *   g += wd·p
 *   b = g on the first step, else b = momentum·b + (1 - dampening)·g
 *   g = nesterov ? g + momentum·b : b
 *   p -= lr·g
 *
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
import { keep, type Tensor } from '../tensor/index.js';
import { Optimizer, tensorField, type OptimizerOptions, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface SgdOptions extends OptimizerOptions {
  /** Learning rate. Default 1e-3, as torch 2.x. */
  lr: number;
  /** Momentum factor; 0 (the default) keeps no state. */
  momentum: number;
  /** Scales the new gradient into the momentum buffer by (1 - dampening). Default 0. */
  dampening: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. Default false. */
  nesterov: boolean;
}

export const SGD_DEFAULTS: Readonly<SgdOptions> = Object.freeze({
  lr: 1e-3,
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
});

export type SgdState = {
  /** Made on the first step with momentum (a copy of that step's gradient). */
  momentumBuffer?: Tensor;
};

export class SGD extends Optimizer<SgdOptions, SgdState> {
  constructor(params: readonly Tensor[] | readonly ParamGroupInput<SgdOptions>[], options: Partial<SgdOptions> = {}) {
    super(params, { ...SGD_DEFAULTS, ...options });
  }

  protected override initState(): SgdState {
    return {};
  }

  protected override updateParam(param: Tensor, grad: Tensor, state: SgdState, group: ParamGroup<SgdOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    let d = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;
    if (momentum !== 0) {
      const buf = state.momentumBuffer;
      if (buf === undefined) state.momentumBuffer = keep(d.clone());
      else buf.mul_(momentum).add_(d, 1 - dampening);
      const b = state.momentumBuffer as Tensor;
      d = nesterov ? d.add(b, momentum) : b;
    }
    param.add_(d, -lr);
  }

  protected override checkState(raw: Record<string, Tensor | number>, _group: ParamGroup<SgdOptions>, where: string): SgdState {
    return raw.momentumBuffer === undefined ? {} : { momentumBuffer: tensorField(raw, 'momentumBuffer', where) };
  }

  protected override checkOptions(o: SgdOptions, where: string): void {
    const at = `SGD (${where})`;
    if (!(o.lr >= 0)) throw new RangeError(`${at}: lr (${o.lr}) must be >= 0`);
    if (!(o.momentum >= 0)) throw new RangeError(`${at}: momentum (${o.momentum}) must be >= 0`);
    if (!(o.weightDecay >= 0)) throw new RangeError(`${at}: weightDecay (${o.weightDecay}) must be >= 0`);
    if (!Number.isFinite(o.dampening)) throw new RangeError(`${at}: dampening (${o.dampening}) must be a finite number`);
    if (typeof o.nesterov !== 'boolean') throw new TypeError(`${at}: nesterov must be a boolean, got ${String(o.nesterov)}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`${at}: nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum}, dampening ${o.dampening}`);
    }
  }
}
