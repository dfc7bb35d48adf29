/**
 * PPO's losses (Schulman et al. 2017, "Proximal Policy Optimization Algorithms"), as TRL's
 * `PPOTrainer` (v0.11–1.x `train`, per micro-batch) computes them for RLHF:
 *
 * ```ts
 * const pg = ppoPolicyLoss({ logps, oldLogps, advantages, mask }, { clipRange: 0.2 });
 * const vf = ppoValueLoss({ values, oldValues, returns, mask }, { clipRangeValue: 0.2 });
 * const loss = pg.loss.add(vf.loss.mul(0.1));
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { maskedMean } from './masked.js';
import { assertShape } from './shapes.js';

/** Every input is per token: the first sets (B, C), the others must match it exactly. */
function assertPerToken(op: string, inputs: Record<string, Tensor>): void {
  const [[firstName, first], ...rest] = Object.entries(inputs) as [[string, Tensor], ...[string, Tensor][]];
  if (first.ndim !== 2) throw new RangeError(`${op}: '${firstName}' must be (B, C), got [${first.shape.join(', ')}]`);
  for (const [name, t] of rest) assertShape(op, name, t, first.shape);
}

export interface PpoPolicyInputs {
  /** (B, C) log-probs of the sampled tokens under the policy being trained. */
  logps: Tensor;
  /** (B, C) the same under the policy that sampled them (fixed for the rollout). */
  oldLogps: Tensor;
  /** (B, C) per-token advantages (GAE), not per sequence: a (B,) here would broadcast wrongly. */
  advantages: Tensor;
  /** (B, C) 1 on completion tokens. */
  mask: Tensor;
  /** (B, C) or (B, 1): sampler-mismatch importance weights (./importance-sampling.ts), multiplying each token's term. */
  samplingRatio?: Tensor;
}

export interface PpoPolicyOutput {
  /** Scalar: masked mean of max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε)). */
  loss: Tensor;
  /** Scalars, detached: fraction of tokens where the clipped term won, ½·mean((log ρ)²), mean ρ. */
  metrics: { clipFrac: Tensor; approxKl: Tensor; ratio: Tensor };
}

/**
 * Clipped surrogate objective (eq. 7), negated as a loss, per token:
 *   ρ = e^(log π − log π_old),  L = max(−A·ρ, −A·clip(ρ, 1 − ε, 1 + ε)),  loss = Σ m·w·L / Σ m,
 * w the sampler-mismatch weight (1 unless `samplingRatio`).
 * The log ratio is masked before the exp so padding never overflows.
 */
export function ppoPolicyLoss(inputs: PpoPolicyInputs, options: { clipRange: number }): PpoPolicyOutput {
  const { logps, oldLogps, advantages, mask } = inputs;
  assertPerToken('ppoPolicyLoss', { logps, oldLogps, advantages, mask });
  const { samplingRatio } = inputs;
  if (samplingRatio !== undefined) assertShape('ppoPolicyLoss', 'samplingRatio', samplingRatio, [logps.shape[0] as number, samplingRatio.shape[1] === 1 ? 1 : (logps.shape[1] as number)]);
  const eps = options.clipRange;
  return tidy(() => {
    const m = mask.to(logps.dtype);
    const logRatio = logps.sub(oldLogps).mul(m);
    const ratio = logRatio.exp();
    const unclipped = advantages.neg().mul(ratio);
    const clipped = advantages.neg().mul(ratio.clamp(1 - eps, 1 + eps));
    const perToken = unclipped.maximum(clipped);
    const loss = maskedMean(samplingRatio === undefined ? perToken : perToken.mul(samplingRatio).expandAs(perToken), m);
    return {
      loss,
      metrics: {
        clipFrac: maskedMean(clipped.detach().gt(unclipped.detach()).to(m.dtype), m),
        approxKl: maskedMean(logRatio.detach().square(), m).mul(0.5),
        ratio: maskedMean(ratio.detach(), m),
      },
    };
  });
}

export interface PpoValueInputs {
  /** (B, C) value predictions of the model being trained. */
  values: Tensor;
  /** (B, C) the values predicted at rollout time. */
  oldValues: Tensor;
  /** (B, C) GAE returns (advantages + old values). */
  returns: Tensor;
  /** (B, C) 1 on completion tokens. */
  mask: Tensor;
}

/**
 * Clipped value loss (the PPO2 baselines' value clipping, as TRL):
 *   V_clip = clip(V, V_old − ε_v, V_old + ε_v),  loss = ½ · Σ m·max((V − R)², (V_clip − R)²) / Σ m.
 * metrics.clipFrac: fraction of tokens where the clipped term is the larger.
 */
export function ppoValueLoss(inputs: PpoValueInputs, options: { clipRangeValue: number }): { loss: Tensor; metrics: { clipFrac: Tensor } } {
  const { values, oldValues, returns, mask } = inputs;
  assertPerToken('ppoValueLoss', { values, oldValues, returns, mask });
  const eps = options.clipRangeValue;
  return tidy(() => {
    const m = mask.to(values.dtype);
    const clippedValues = oldValues.add(values.sub(oldValues).clamp(-eps, eps));
    const unclippedLoss = values.sub(returns).square();
    const clippedLoss = clippedValues.sub(returns).square();
    const loss = maskedMean(unclippedLoss.maximum(clippedLoss), m).mul(0.5);
    return { loss, metrics: { clipFrac: maskedMean(clippedLoss.detach().gt(unclippedLoss.detach()).to(m.dtype), m) } };
  });
}

/**
 * Fraction of the returns' variance the old values explain, 1 − Var(R − V) / Var(R), with
 * population variances over the masked tokens (TRL's `val/explained_variance` is unmasked);
 * NaN when the returns are constant.
 */
export function explainedVariance(returns: Tensor, values: Tensor, mask: Tensor): number {
  assertShape('explainedVariance', 'values', values, returns.shape);
  return tidy(() => {
    const m = mask.to(returns.dtype);
    const variance = (x: Tensor) => maskedMean(x.square(), m).item() - maskedMean(x, m).item() ** 2;
    const varReturns = variance(returns);
    return varReturns > 0 ? 1 - variance(returns.sub(values)) / varReturns : NaN;
  });
}
