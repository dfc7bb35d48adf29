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
 */
export function gae(rewards: Tensor, values: Tensor, options: { gamma?: number; lam?: number } = {}): { advantages: Tensor; returns: Tensor } {
  const { gamma = 1, lam = 0.95 } = options;
  if (rewards.ndim !== 2) throw new RangeError(`gae: 'rewards' must be (B, T), got [${rewards.shape.join(', ')}]`);
  assertShape('gae', 'values', values, rewards.shape);
  return tidy(() => {
    const T = rewards.shape[1] ?? 0;
    const r = rewards.unbind(1);
    const v = values.unbind(1);
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
