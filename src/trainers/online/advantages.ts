/** Group advantages for GRPO from per-completion rewards (groups are consecutive blocks of G). */
import { grpoAdvantages, type ScaleRewards } from '../../rl/index.js';
import { tensor, tidy } from '../../tensor/index.js';

/**
 * grpo / normalized: (r − group mean) / group std (DeepSeekMath); dr_grpo / relative: r − group
 * mean (Dr. GRPO); rank: centred rank within the group; rloo: r − mean of the others.
 */
export const GRPO_ADVANTAGE_TYPES = ['grpo', 'normalized', 'dr_grpo', 'relative', 'rank', 'rloo'] as const;
export type AdvantageType = (typeof GRPO_ADVANTAGE_TYPES)[number];

/** Average ranks (1-based) within one group, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/**
 * normalized (= grpo): (r − group mean) / std, std of the group / batch / none per `scale`
 * (TRL's scale_rewards); relative (= dr_grpo): r − group mean; rank: the centred rank in the
 * group scaled to [−1, 1]; rloo: r − mean of the other G − 1.
 */
export function groupAdvantages(rewards: readonly number[], G: number, type: AdvantageType, scale: ScaleRewards = 'group'): number[] {
  if (rewards.length % G !== 0) throw new RangeError(`groupAdvantages: ${rewards.length} rewards are not whole groups of ${G}`);
  switch (type) {
    case 'grpo':
    case 'normalized':
    case 'dr_grpo':
    case 'relative': {
      const scaleRewards = type === 'grpo' || type === 'normalized' ? scale : 'none';
      return tidy(() => grpoAdvantages(tensor([...rewards], { dtype: 'float32' }), { numGenerations: G, scaleRewards }).toArray() as number[]);
    }
    case 'rank':
    case 'rloo': {
      const out: number[] = [];
      for (let g = 0; g < rewards.length; g += G) {
        const group = rewards.slice(g, g + G);
        if (type === 'rank') {
          out.push(...ranks(group).map((r) => (r - (G + 1) / 2) / ((G - 1) / 2)));
        } else {
          const sum = group.reduce((a, b) => a + b, 0);
          out.push(...group.map((r) => r - (sum - r) / (G - 1)));
        }
      }
      return out;
    }
    default: {
      const never: never = type;
      throw new Error(`unknown advantage type ${String(never)}`);
    }
  }
}
