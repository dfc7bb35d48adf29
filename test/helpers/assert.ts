/**
 * Shared assertions and scaffolding for the tensor tests.
 *
 * - `scoped(fn)` wraps a test body in tidy() and fails the test if it leaves tensors alive.
 * - `assertClose` compares a tensor (or nested numbers) with expected nested numbers.
 * - `rng(seed)` is a small deterministic JS generator for test inputs.
 */
import assert from 'node:assert/strict';
import { memory, seededRandom, tidy, type NestedArray, type Tensor } from '../../src/index.js';

/**
 * A test body that runs inside tidy() and checks afterwards that the number of live
 * tensor handles is back where it started (nothing leaked out of the test).
 */
export function scoped(fn: () => void): () => void {
  return () => {
    const before = memory().numTensors;
    tidy(() => {
      fn();
    });
    const after = memory().numTensors;
    assert.equal(after, before, `test leaked ${after - before} tensor handle(s)`);
  };
}

/** The shape of a (rectangular) nested array. */
export function shapeOf(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

/** Nested numbers (booleans as 0/1) in row-major order. */
export function flat(x: NestedArray): number[] {
  if (!Array.isArray(x)) return [Number(x)];
  const out: number[] = [];
  for (const v of x) out.push(...flat(v));
  return out;
}

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  msg?: string;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'handle' in x && 'shape' in x;
}

/**
 * |actual - expected| <= atol + rtol·|expected| elementwise, with equal shapes. NaN matches
 * NaN and infinities must match exactly.
 */
export function assertClose(actual: Tensor | NestedArray, expected: NestedArray, options: CloseOptions = {}): void {
  const { atol = 1e-6, rtol = 1e-5, msg = '' } = options;
  const a = isTensor(actual) ? actual.toArray() : actual;
  const aShape = isTensor(actual) ? [...actual.shape] : shapeOf(a);
  assert.deepEqual(aShape, shapeOf(expected), `${msg} shape`);
  const av = flat(a);
  const ev = flat(expected);
  for (let i = 0; i < ev.length; i++) {
    const x = av[i] as number;
    const y = ev[i] as number;
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${msg} element ${i}: expected NaN, got ${x}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      assert.equal(x, y, `${msg} element ${i}`);
      continue;
    }
    const tol = atol + rtol * Math.abs(y);
    assert.ok(Math.abs(x - y) <= tol, `${msg} element ${i}: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > ${tol})`);
  }
}

/** Exact shape, dtype and values. */
export function assertTensor(actual: Tensor, expected: NestedArray, dtype?: string): void {
  if (dtype !== undefined) assert.equal(actual.dtype, dtype, 'dtype');
  assert.deepEqual([...actual.shape], shapeOf(expected), 'shape');
  assert.deepEqual(actual.toArray(), expected);
}

/** A seeded generator for reproducible test inputs (the library's mulberry32). */
export const rng = seededRandom;

/** n values uniform in [lo, hi) from a seeded generator. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Row-major flat values reshaped to nested arrays. */
export function nest(values: readonly number[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0] as number;
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = shape[d] as number;
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(d === shape.length - 1 ? (values[pos++] as number) : build(d + 1));
    return out;
  };
  return build(0);
}

/** Asserts that fn throws an error whose name is `name` and whose message matches `pattern`. */
export function assertThrowsNamed(fn: () => unknown, name: string, pattern?: RegExp): Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Error, `expected ${name} to be thrown`);
  assert.equal(caught.name, name, `error name (message: ${caught.message})`);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}
