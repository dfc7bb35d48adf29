/** `logitsToKeep`: which positions of the final hidden states reach the LM head. */
import type { Tensor } from '../tensor/index.js';

/** The last `keep` positions of (B, T, H) hidden states; all of them for 0 or undefined. */
export function lastPositions(hiddenStates: Tensor, keep: number | undefined): Tensor {
  if (!keep) return hiddenStates;
  const T = hiddenStates.size(1);
  if (!Number.isInteger(keep) || keep < 0 || keep > T) throw new RangeError(`forward: logitsToKeep (${keep}) must be an integer in [0, ${T}] (the input's length)`);
  return hiddenStates.narrow(1, T - keep, keep);
}
