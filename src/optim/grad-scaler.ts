/**
 * Loss scaling for float16 mixed precision, with torch.cuda.amp.GradScaler semantics.
 * Small float16 gradients underflow to 0; multiplying the loss by a large scale before
 * backward keeps them representable. The scale backs off when a step overflows (that step
 * is skipped) and grows again after `growthInterval` clean steps.
 *
 * ```ts
 * const scaler = new GradScaler();
 * tidy(() => {
 *   scaler.scale(autocast(() => lossFn(model), { device: 'cuda' })).backward();
 *   scaler.unscale_(opt);                  // optional: only needed to clip true gradients
 *   clipGradNorm(model.parameters(), 1.0);
 *   scaler.step(opt);                      // skipped if any gradient is inf/NaN
 *   scaler.update();
 *   opt.zeroGrad();
 * });
 * ```
 * Parameters (and so gradients) stay float32 as with torch autocast; float16 gradients are
 * refused, as in PyTorch.
 */
import { noGrad, scalar, stack, tidy, type Device, type Tensor } from '../tensor/index.js';
import type { OptimizerLike } from './optimizer.js';

export interface GradScalerOptions {
  /** Starting scale. Default 2^16. */
  initScale?: number;
  /** Scale multiplier after growthInterval steps without inf/NaN. Default 2. */
  growthFactor?: number;
  /** Scale multiplier after a step with inf/NaN gradients. Default 0.5. */
  backoffFactor?: number;
  /** Clean steps between growths. Default 2000. */
  growthInterval?: number;
  /** false makes every method a pass-through (scale(x) returns x). Default true. */
  enabled?: boolean;
}

export interface GradScalerStateDict {
  scale: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
  /** Clean steps since the last growth or backoff. */
  growthTracker: number;
}

/** Where one optimizer is within the current iteration (reset by update()). */
interface IterationState {
  stage: 'unscaled' | 'stepped';
  /** null when no parameter had a gradient to check. */
  foundInf: boolean | null;
}

export class GradScaler {
  readonly enabled: boolean;
  private scaleValue: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private growthTracker = 0;
  private readonly iteration = new Map<OptimizerLike, IterationState>();

  constructor(options: GradScalerOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.scaleValue = f32(options.initScale ?? 2 ** 16);
    this.growthFactor = options.growthFactor ?? 2;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
    checkState(this.stateDict());
  }

  /**
   * loss · scale, a new tensor (or `outputs` itself when disabled). The scale is a float32
   * 0-dim tensor as in PyTorch, so a scalar float16 loss is promoted to float32 rather than
   * overflowing (65504 is float16's max; the default scale is 65536).
   */
  scale(outputs: Tensor): Tensor {
    if (!this.enabled) return outputs;
    return tidy(() => outputs.mul(scalar(this.scaleValue, { dtype: 'float32', device: outputs.device as Device })));
  }

  /**
   * Divides the optimizer's gradients by the scale in place and records whether any was
   * inf/NaN (one host sync). At most once per optimizer between update()s, before step().
   */
  unscale_(optimizer: OptimizerLike): void {
    if (!this.enabled) return;
    const stage = this.iteration.get(optimizer)?.stage;
    if (stage === 'unscaled') throw new Error('GradScaler.unscale_: already called on this optimizer since the last update()');
    if (stage === 'stepped') throw new Error('GradScaler.unscale_: called after step(); call update() first');
    // PyTorch takes the reciprocal in float64 and rounds it to float32.
    const invScale = f32(1 / this.scaleValue);
    const foundInf = tidy(() =>
      noGrad(() => {
        const grads: Tensor[] = [];
        for (const group of optimizer.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g !== null) grads.push(g);
          }
        }
        if (grads.some((g) => g.dtype === 'float16')) {
          throw new TypeError('GradScaler.unscale_: gradients are float16; keep parameters in float32 and use autocast, as torch.cuda.amp does');
        }
        // Checked before unscaling: with a scale below 1, unscaling could itself overflow.
        const nonFinite = grads.map((g) => g.isfinite().all().logicalNot());
        for (const g of grads) g.mul_(invScale);
        return nonFinite.length === 0 ? null : stack(nonFinite).any().item() !== 0;
      }),
    );
    this.iteration.set(optimizer, { stage: 'unscaled', foundInf });
  }

  /**
   * Unscales (unless unscale_ was called) and steps the optimizer, unless a gradient was
   * inf/NaN. Returns whether the optimizer stepped.
   */
  step(optimizer: OptimizerLike): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    if (this.iteration.get(optimizer)?.stage === 'stepped') throw new Error('GradScaler.step: already called on this optimizer since the last update()');
    if (this.iteration.get(optimizer) === undefined) this.unscale_(optimizer);
    const state = this.iteration.get(optimizer) as IterationState;
    if (state.foundInf === null) throw new Error('GradScaler.step: no gradients were found to check for inf/NaN in this optimizer (did backward() run?)');
    state.stage = 'stepped';
    if (state.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * Adjusts the scale for the next iteration: times backoffFactor if any optimizer saw
   * inf/NaN, times growthFactor after growthInterval clean steps in a row. With `newScale`,
   * sets the scale to it instead.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      if (!(newScale > 0 && Number.isFinite(newScale))) throw new RangeError(`GradScaler.update: newScale (${newScale}) must be a positive finite number`);
      this.scaleValue = f32(newScale);
    } else {
      const checks = [...this.iteration.values()].map((s) => s.foundInf).filter((f) => f !== null);
      if (checks.length === 0) throw new Error('GradScaler.update: no inf/NaN checks were recorded this iteration; call step() (or unscale_()) first');
      if (checks.some((f) => f)) {
        this.scaleValue = f32(this.scaleValue * this.backoffFactor);
        this.growthTracker = 0;
      } else if (this.growthTracker + 1 === this.growthInterval) {
        // As torch's _amp_update_scale_: a growth that would overflow float32 is dropped.
        const grown = f32(this.scaleValue * this.growthFactor);
        if (Number.isFinite(grown)) this.scaleValue = grown;
        this.growthTracker = 0;
      } else {
        this.growthTracker += 1;
      }
    }
    this.iteration.clear();
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  stateDict(): GradScalerStateDict {
    return {
      scale: this.scaleValue,
      growthFactor: this.growthFactor,
      backoffFactor: this.backoffFactor,
      growthInterval: this.growthInterval,
      growthTracker: this.growthTracker,
    };
  }

  loadStateDict(dict: GradScalerStateDict): void {
    const loaded = { ...dict, scale: f32(dict.scale) };
    checkState(loaded);
    this.scaleValue = loaded.scale;
    this.growthFactor = loaded.growthFactor;
    this.backoffFactor = loaded.backoffFactor;
    this.growthInterval = loaded.growthInterval;
    this.growthTracker = loaded.growthTracker;
  }
}

function checkState(s: GradScalerStateDict): void {
  const at = 'GradScaler';
  if (!(s.scale > 0 && Number.isFinite(s.scale))) throw new RangeError(`${at}: scale (${s.scale}) must be a positive finite float32`);
  if (!(s.growthFactor > 1)) throw new RangeError(`${at}: growthFactor (${s.growthFactor}) must be > 1`);
  if (!(s.backoffFactor > 0 && s.backoffFactor < 1)) throw new RangeError(`${at}: backoffFactor (${s.backoffFactor}) must be in (0, 1)`);
  if (!Number.isInteger(s.growthInterval) || s.growthInterval < 1) throw new RangeError(`${at}: growthInterval (${s.growthInterval}) must be a positive integer`);
  if (!Number.isInteger(s.growthTracker) || s.growthTracker < 0) throw new RangeError(`${at}: growthTracker (${s.growthTracker}) must be a non-negative integer`);
}

/** The scale lives in a float32 tensor in PyTorch; rounding the same way keeps the values equal. */
function f32(x: number): number {
  return Math.fround(x);
}
