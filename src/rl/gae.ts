/**
 * Generalized Advantage Estimation (Schulman et al. 2016, "High-Dimensional Continuous
 * Control Using GAE", eq. 16), as TRL's PPO trainer (v1.9 `PPOTrainer.train`):
 *   δ_t = r_t + γ·V_{t+1} − V_t (V_T = 0),  A_t = δ_t + γλ·A_{t+1},  returns = A + V.
 *
 * ```ts
 * const { advantages, returns } = gae(rewards, values, { gamma: 1, lam: 0.95 });
 * ```
 */
import { stack, tidy, type Tensor } from '../tensor/index.js';
import { assertShape } from './shapes.js';

/**
 * rewards, values: (B, T) with padding already handled (zero the values past the end, as
 * TRL does, so nothing bootstraps from them) → advantages, returns (B, T).
 *
 * `mask` (B, T), 0/1: positions that are no actions of the policy — the tokens an environment
 * inserted into a multi-turn episode — are stepped over: V_{t+1} and A_{t+1} are those of the
 * next action, as if the row held its actions only, and their advantages are 0. The result equals
 * GAE over each row's actions packed together (test/rl/gae-mask.test.ts).
 */
export function gae(rewards: Tensor, values: Tensor, options: { gamma?: number; lam?: number; mask?: Tensor } = {}): { advantages: Tensor; returns: Tensor } {
  const { gamma = 1, lam = 0.95, mask } = options;
  if (rewards.ndim !== 2) throw new RangeError(`gae: 'rewards' must be (B, T), got [${rewards.shape.join(', ')}]`);
  assertShape('gae', 'values', values, rewards.shape);
  if (mask !== undefined) assertShape('gae', 'mask', mask, rewards.shape);
  return tidy(() => {
    const T = rewards.shape[1] ?? 0;
    const r = rewards.unbind(1);
    const v = values.unbind(1);
    if (mask !== undefined) return maskedGae(r, v, mask.to(rewards.dtype).unbind(1), values, gamma, lam);
    const reversed: Tensor[] = [];
    let last: Tensor | undefined;
    for (let t = T - 1; t >= 0; t--) {
      const rt = r[t] as Tensor;
      const vt = v[t] as Tensor;
      const next = v[t + 1];
      let delta = next === undefined ? rt.sub(vt) : rt.add(next.mul(gamma)).sub(vt);
      if (last !== undefined) delta = delta.add(last.mul(gamma * lam));
      last = delta;
      reversed.push(delta);
    }
    const advantages = stack(reversed.reverse(), 1);
    return { advantages, returns: advantages.add(values) };
  });
}

/** The masked recursion: the next action's value and advantage carry across non-action positions. */
function maskedGae(r: Tensor[], v: Tensor[], m: Tensor[], values: Tensor, gamma: number, lam: number): { advantages: Tensor; returns: Tensor } {
  const reversed: Tensor[] = [];
  let nextValue = (v[0] as Tensor).mul(0);
  let nextAdvantage = nextValue;
  for (let t = r.length - 1; t >= 0; t--) {
    const mt = m[t] as Tensor;
    const vt = v[t] as Tensor;
    const advantage = (r[t] as Tensor).add(nextValue.mul(gamma)).sub(vt).add(nextAdvantage.mul(gamma * lam)).mul(mt);
    const keep = mt.neg().add(1);
    nextValue = vt.mul(mt).add(nextValue.mul(keep));
    nextAdvantage = advantage.add(nextAdvantage.mul(keep));
    reversed.push(advantage);
  }
  const advantages = stack(reversed.reverse(), 1);
  return { advantages, returns: advantages.add(values.mul(stack(m, 1))) };
}
