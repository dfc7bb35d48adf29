/**
 * REINFORCE++ advantages (Hu et al. 2025, "REINFORCE++: An Efficient RLHF Algorithm with
 * Robustness to Both Prompt and Reward Models"), as OpenRLHF computes them
 * (openrlhf/trainer/ppo_utils/experience_maker.py `compute_advantages_and_returns` and
 * `get_cumulative_returns`, openrlhf/models/utils.py `compute_reward`): the sequence reward
 * (shaped by the estimator) lands on the last action token, every token also gets −β·KL, the
 * returns are discounted cumulative sums, and the advantages are the returns whitened over every
 * token of the whole step (no critic).
 *
 * ```ts
 * const { advantages } = reinforceAdvantages({ rewards, perTokenKl, mask }, { estimator: 'reinforce_baseline', numSamplesPerPrompt: 4, klCoef: 0.01 });
 * ```
 */
import { stack, tidy, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

/**
 * reinforce: the raw reward; reinforce_baseline: minus the mean reward of the prompt's samples;
 * rloo: minus the mean of the other samples (not whitened afterwards, as OpenRLHF).
 * Declared once; the config schema (`reinforce_pp.advantage_estimator`) takes its values from here.
 */
export const REINFORCE_ADVANTAGE_ESTIMATORS = ['reinforce', 'reinforce_baseline', 'rloo'] as const;
export type ReinforceAdvantageEstimator = (typeof REINFORCE_ADVANTAGE_ESTIMATORS)[number];

/** Estimators whose returns OpenRLHF whitens across the step. */
export const WHITENED_ESTIMATORS: readonly ReinforceAdvantageEstimator[] = ['reinforce', 'reinforce_baseline'];

export interface ReinforceInputs {
  /** (N,) one scalar reward per completion; groups of numSamplesPerPrompt are consecutive. */
  rewards: Tensor;
  /** (N, C) per-token KL estimate of the sampling policy to the reference (kl.ts), or zeros. */
  perTokenKl: Tensor;
  /** (N, C) 1 on action (model-written) tokens. */
  mask: Tensor;
}

export interface ReinforceOptions {
  estimator: ReinforceAdvantageEstimator;
  numSamplesPerPrompt: number;
  /** β of the per-token −β·KL reward (OpenRLHF `init_kl_coef`); ≤ 0 means none. */
  klCoef: number;
  /** Discount of the cumulative returns (1 for the baseline estimators, as OpenRLHF forces). */
  gamma?: number;
  /** Divide by the std when whitening (OpenRLHF's default; `no_advantage_std_norm` turns it off). */
  stdNormalize?: boolean;
  /** Clamp the shaped sequence reward to [low, high] before it is placed (OpenRLHF `reward_clip_range`). */
  rewardClipRange?: readonly [number, number] | null;
  /** Sums numbers over data-parallel ranks, so the whitening statistics span the whole step. */
  sumAcross?: (sums: number[]) => number[];
}

/** Per-sequence rewards after the estimator's baseline: (N,) → (N,). */
export function shapedRewards(rewards: Tensor, estimator: ReinforceAdvantageEstimator, n: number): Tensor {
  const N = assertVector('shapedRewards', 'rewards', rewards);
  if (estimator !== 'reinforce' && (!Number.isInteger(n) || n < 2 || N % n !== 0)) {
    throw new RangeError(`shapedRewards: '${estimator}' needs groups of numSamplesPerPrompt (${n}) >= 2 dividing the ${N} rewards`);
  }
  return tidy(() => {
    switch (estimator) {
      case 'reinforce':
        return rewards.add(0);
      case 'reinforce_baseline':
        return rewards.sub(rewards.view(-1, n).mean({ dim: 1 }).repeatInterleave(n, 0));
      case 'rloo': {
        const sums = rewards.view(-1, n).sum({ dim: 1 }).repeatInterleave(n, 0);
        return rewards.sub(sums.sub(rewards).div(n - 1));
      }
      default: {
        const never: never = estimator;
        throw new TypeError(`shapedRewards: unknown estimator '${String(never)}'; expected one of ${REINFORCE_ADVANTAGE_ESTIMATORS.join(', ')}`);
      }
    }
  });
}

/**
 * (N, C) token rewards: the sequence reward on the last action token (the last 1 of the mask,
 * which for a multi-turn mask is the last model-written token), plus −β·KL on every token.
 */
export function tokenRewards(rewards: Tensor, perTokenKl: Tensor, mask: Tensor, klCoef: number): Tensor {
  const N = assertVector('tokenRewards', 'rewards', rewards);
  if (perTokenKl.ndim !== 2) throw new RangeError(`tokenRewards: 'perTokenKl' must be (N, C), got [${perTokenKl.shape.join(', ')}]`);
  assertShape('tokenRewards', 'perTokenKl', perTokenKl, [N, perTokenKl.shape[1] as number]);
  assertShape('tokenRewards', 'mask', mask, perTokenKl.shape);
  return tidy(() => {
    const C = mask.size(1);
    // Index of the last 1 per row: argmax over the reversed mask counts from the end.
    const last = mask.gt(0).to('int64').flip(1).argmax({ dim: 1, keepdim: true }).neg().add(C - 1); // (N, 1)
    const atLast = perTokenKl.mul(0).scatter(1, last, rewards.unsqueeze(1).to(perTokenKl.dtype));
    return atLast.add(perTokenKl.mul(-Math.max(0, klCoef)));
  });
}

/** Gₜ = Σ_{s≥t} γ^(s−t)·m_s·r_s per row: (N, C) → (N, C). */
export function cumulativeReturns(rewards: Tensor, mask: Tensor, gamma = 1): Tensor {
  if (rewards.ndim !== 2) throw new RangeError(`cumulativeReturns: 'rewards' must be (N, C), got [${rewards.shape.join(', ')}]`);
  assertShape('cumulativeReturns', 'mask', mask, rewards.shape);
  return tidy(() => {
    const r = rewards.mul(mask.to(rewards.dtype)).unbind(1);
    const out: Tensor[] = [];
    let running: Tensor | undefined;
    for (let t = r.length - 1; t >= 0; t--) {
      running = running === undefined ? (r[t] as Tensor) : (r[t] as Tensor).add(running.mul(gamma));
      out.push(running);
    }
    return stack(out.reverse(), 1);
  });
}

/**
 * Whitening over every action token of the step (OpenRLHF): μ = Σ m·x / Σ m,
 * σ² = Σ m·(x − μ)² / Σ m (population), x ← (x − μ)·rsqrt(max(σ², 1e-8)); padding is shifted too.
 */
export function whitenOverStep(values: Tensor, mask: Tensor, options: { stdNormalize?: boolean; sumAcross?: (sums: number[]) => number[] } = {}): Tensor {
  assertShape('whitenOverStep', 'mask', mask, values.shape);
  const { stdNormalize = true, sumAcross = (s: number[]) => s } = options;
  return tidy(() => {
    const m = mask.to(values.dtype);
    const [total, count] = sumAcross([values.mul(m).sum().item(), m.sum().item()]) as [number, number];
    if (count < 1) throw new RangeError('whitenOverStep: the mask selects no token in the whole step');
    const mean = total / count;
    const centred = values.sub(mean);
    if (!stdNormalize) return centred;
    const [squares] = sumAcross([centred.square().mul(m).sum().item()]) as [number];
    return centred.mul(1 / Math.sqrt(Math.max(squares / count, 1e-8)));
  });
}

/**
 * OpenRLHF's REINFORCE-family advantages: shaped (then clipped) rewards → token rewards (−β·KL, reward at the
 * last token) → cumulative returns (γ) → whitened over the step for reinforce / reinforce_baseline.
 * Returns (N, C) each: the token rewards, the returns (before whitening) and the advantages.
 */
export function reinforceAdvantages(inputs: ReinforceInputs, options: ReinforceOptions): { advantages: Tensor; returns: Tensor; tokenRewards: Tensor } {
  const { rewards, perTokenKl, mask } = inputs;
  const { estimator, numSamplesPerPrompt, klCoef, gamma = 1 } = options;
  if (gamma !== 1 && estimator !== 'reinforce') throw new RangeError(`reinforceAdvantages: gamma (${gamma}) must be 1 for '${estimator}' (OpenRLHF forces it)`);
  return tidy(() => {
    const shaped = shapedRewards(rewards, estimator, numSamplesPerPrompt);
    const range = options.rewardClipRange ?? null;
    const clipped = range === null ? shaped : shaped.clamp(range[0], range[1]);
    const placed = tokenRewards(clipped, perTokenKl, mask, klCoef);
    const returns = cumulativeReturns(placed, mask, gamma);
    const advantages = WHITENED_ESTIMATORS.includes(estimator)
      ? whitenOverStep(returns, mask, { ...(options.stdNormalize === undefined ? {} : { stdNormalize: options.stdNormalize }), ...(options.sumAcross === undefined ? {} : { sumAcross: options.sumAcross }) })
      : returns.add(0);
    return { advantages, returns, tokenRewards: placed };
  });
}
