/**
 * Shape checks at loss boundaries. A `[B]` tensor meeting a `[B, 1]` one broadcasts to
 * `[B, B]` without complaint — the classic RL bug — so every loss states the shapes it takes.
 *
 * ```ts
 * assertShape('dpoLoss', 'policyChosenLogps', x, [batch]);
 * ```
 */
import type { Tensor } from '../tensor/index.js';

/** Throws a RangeError naming the op and argument unless `t.shape` equals `expected`. */
export function assertShape(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  const actual = t.shape;
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new RangeError(`${op}: '${name}' must have shape [${expected.join(', ')}], got [${actual.join(', ')}]`);
  }
}

/** Throws unless `t` is one-dimensional; returns its length. */
export function assertVector(op: string, name: string, t: Tensor): number {
  if (t.ndim !== 1) throw new RangeError(`${op}: '${name}' must be 1-D [B], got [${t.shape.join(', ')}]`);
  return t.shape[0] ?? 0;
}
