/**
 * Summary of the scores a reward model gives a set of generations (running the model is the
 * caller's job; this is the arithmetic on its outputs).
 *
 * ```ts
 * rewardStats([0.5, 1.5, -1]);  // { mean: 0.333, std: 1.027, min: -1, max: 1.5, count: 3 }
 * ```
 */
import { mean, std } from './summary-stats.js';

export interface RewardStats {
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  count: number;
}

/** Mean, std, min and max of rewards; throws on an empty list or a non-finite reward. */
export function rewardStats(rewards: readonly number[]): RewardStats {
  const bad = rewards.findIndex((r) => !Number.isFinite(r));
  if (bad >= 0) throw new Error(`rewardStats: reward ${bad} is ${rewards[bad]}`);
  return { mean: mean(rewards, 'rewards'), std: std(rewards, 'rewards'), min: Math.min(...rewards), max: Math.max(...rewards), count: rewards.length };
}
