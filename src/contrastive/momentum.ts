/**
 * MoCo's momentum update of the key encoder (He et al. 2020, eq. 2): θ_k ← m·θ_k + (1 − m)·θ_q,
 * in place and without gradient. BYOL's target network (Grill et al. 2020) uses the same rule.
 * The key encoder's parameters should not require grad: only this update moves them.
 *
 * ```ts
 * const keyEncoder = loadCausalLm(dir).freeze();            // a copy of the query encoder
 * momentumUpdate(keyEncoder.parameters(), queryEncoder.parameters(), 0.999);
 * ```
 */
import { noGrad, type Tensor } from '../tensor/index.js';

/** Moves each `target` tensor towards the matching `online` one, pairwise in order. */
export function momentumUpdate(target: readonly Tensor[], online: readonly Tensor[], momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`momentumUpdate: momentum (${momentum}) must be in [0, 1]`);
  if (target.length !== online.length) {
    throw new RangeError(`momentumUpdate: ${target.length} target tensors but ${online.length} online ones; the encoders must match`);
  }
  target.forEach((t, i) => {
    const o = online[i] as Tensor;
    if (t.shape.join() !== o.shape.join()) {
      throw new RangeError(`momentumUpdate: tensor ${i} has shape [${t.shape.join(', ')}] in target but [${o.shape.join(', ')}] in online`);
    }
  });
  noGrad(() => {
    // MoCo's param_k * m + param_q * (1 − m), written in place.
    for (let i = 0; i < target.length; i++) (target[i] as Tensor).mul_(momentum).add_(online[i] as Tensor, 1 - momentum);
  });
}
