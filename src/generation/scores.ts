/** The shared input check of the logits processors and warpers. */
import { isFloatingPoint, type Tensor } from '../tensor/index.js';

/** Throws unless `scores` is a floating-point (B, vocab) tensor: -inf cannot be written into integers. */
export function checkScores(op: string, scores: Tensor): void {
  if (scores.ndim !== 2 || !isFloatingPoint(scores.dtype)) {
    throw new TypeError(`${op}: scores must be a floating-point (B, vocab) tensor, got ${scores.dtype} [${scores.shape.join(',')}]`);
  }
}
