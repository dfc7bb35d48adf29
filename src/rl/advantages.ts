/**
 * Group-relative advantages from one scalar reward per completion, for GRPO-style training:
 * the N completions are consecutive groups of G samples of the same prompt, and each reward is
 * compared with its own group only. rewards (N,) → advantages (N,), in the rewards' dtype.
 *
 * ```ts
 * const A = groupAdvantages(rewards, { numGenerations: 4, type: 'rloo' }); // (N,)
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertVector } from './shapes.js';

/** Declared once; the config schema (`grpo.advantage_type`) takes its values from here. */
export const GRPO_ADVANTAGE_TYPES = ['grpo', 'normalized', 'dr_grpo', 'relative', 'rank', 'rloo'] as const;
export type AdvantageType = (typeof GRPO_ADVANTAGE_TYPES)[number];

/** What the group std divides by: the group's (TRL default), the whole batch's, or nothing (Dr. GRPO). */
export const SCALE_REWARDS = ['group', 'batch', 'none'] as const;
export type ScaleRewards = (typeof SCALE_REWARDS)[number];

/** Checks N is a positive multiple of G ≥ 2; returns the rewards as (N/G, G). */
function grouped(op: string, rewards: Tensor, G: number): Tensor {
  const N = assertVector(op, 'rewards', rewards);
  if (!Number.isInteger(G) || G < 2) throw new RangeError(`${op}: numGenerations (${G}) must be an integer >= 2`);
  if (N === 0 || N % G !== 0) throw new RangeError(`${op}: rewards length (${N}) must be a positive multiple of numGenerations (${G})`);
  return rewards.view(-1, G);
}

/**
 * GRPO (Shao et al. 2024, "DeepSeekMath", §4.1.2, as TRL 1.13 `GRPOTrainer`):
 * Aᵢ = (rᵢ − mean(group(i))) / (std + 1e-4), std of the group ('group'), of all N rewards
 * ('batch'), or no division ('none': Dr. GRPO, Liu et al. 2025, §3.1). std is unbiased (n − 1).
 */
export function grpoAdvantages(rewards: Tensor, options: { numGenerations: number; scaleRewards?: ScaleRewards }): Tensor {
  const { numGenerations: G, scaleRewards = 'group' } = options;
  return tidy(() => {
    const groups = grouped('grpoAdvantages', rewards, G); // (N/G, G)
    const centred = rewards.sub(groups.mean({ dim: 1 }).repeatInterleave(G, 0)); // (N,)
    switch (scaleRewards) {
      case 'group':
        return centred.div(groups.std({ dim: 1 }).repeatInterleave(G, 0).add(1e-4));
      case 'batch':
        return centred.div(rewards.std().add(1e-4));
      case 'none':
        return centred;
      default: {
        const never: never = scaleRewards;
        throw new TypeError(`grpoAdvantages: unknown scaleRewards '${String(never)}'; expected one of ${SCALE_REWARDS.join(', ')}`);
      }
    }
  });
}

/**
 * REINFORCE leave-one-out (Kool et al. 2019, "Buy 4 REINFORCE Samples, Get a Baseline for
 * Free!"; Ahmadian et al. 2024, eq. 5; TRL `RLOOTrainer`): Aᵢ = rᵢ − (Σ_group r − rᵢ) / (G − 1).
 */
export function rlooAdvantages(rewards: Tensor, options: { numGenerations: number }): Tensor {
  const G = options.numGenerations;
  return tidy(() => {
    const groupSums = grouped('rlooAdvantages', rewards, G).sum({ dim: 1 }).repeatInterleave(G, 0); // (N,)
    return rewards.sub(groupSums.sub(rewards).div(G - 1));
  });
}

/**
 * Centred rank within the group, scaled to [−1, 1]: Aᵢ = (rankᵢ − (G + 1)/2) / ((G − 1)/2) with
 * 1-based ranks, ties sharing their average rank (scipy `rankdata(method='average')`), so only
 * the order of the rewards matters, not their scale. A group of equal rewards gives zeros.
 */
export function rankAdvantages(rewards: Tensor, options: { numGenerations: number }): Tensor {
  const G = options.numGenerations;
  return tidy(() => {
    const groups = grouped('rankAdvantages', rewards, G); // (N/G, G)
    const mine = groups.unsqueeze(2); // (N/G, G, 1): rᵢ
    const others = groups.unsqueeze(1); // (N/G, 1, G): rⱼ
    const below = others.lt(mine).to(rewards.dtype).sum({ dim: 2 }); // (N/G, G): #{j : rⱼ < rᵢ}
    const tied = others.eq(mine).to(rewards.dtype).sum({ dim: 2 }); // (N/G, G): #{j : rⱼ = rᵢ}, i included
    const rank = below.add(tied.add(1).div(2)); // average 1-based rank of the tie block
    return rank.sub((G + 1) / 2).div((G - 1) / 2).reshape([-1]);
  });
}

/**
 * One advantage per completion by `type`: grpo = normalized (scaled by `scaleRewards`),
 * dr_grpo = relative (r − group mean), rank, rloo.
 */
export function groupAdvantages(rewards: Tensor, options: { numGenerations: number; type: AdvantageType; scaleRewards?: ScaleRewards }): Tensor {
  const { numGenerations, type, scaleRewards = 'group' } = options;
  switch (type) {
    case 'grpo':
    case 'normalized':
      return grpoAdvantages(rewards, { numGenerations, scaleRewards });
    case 'dr_grpo':
    case 'relative':
      return grpoAdvantages(rewards, { numGenerations, scaleRewards: 'none' });
    case 'rank':
      return rankAdvantages(rewards, { numGenerations });
    case 'rloo':
      return rlooAdvantages(rewards, { numGenerations });
    default: {
      const never: never = type;
      throw new TypeError(`groupAdvantages: unknown type '${String(never)}'; expected one of ${GRPO_ADVANTAGE_TYPES.join(', ')}`);
    }
  }
}
