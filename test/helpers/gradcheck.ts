/**
 * Finite-difference gradient checks in float64.
 *
 * gradcheck(fn, inputs) compares the gradients that backward() computes for every input with
 * central differences (f(x + eps·e_j) - f(x - eps·e_j)) / 2eps of a scalar projection of
 * fn's output. A non-scalar output is reduced as Σ w ⊙ out with fixed random weights w in
 * [0.5, 1.5), so outputs whose plain sum is constant (softmax, normalisations) still give
 * non-trivial gradients.
 */
import assert from 'node:assert/strict';
import { noGrad, tensor, tidy, type Tensor } from '../../src/index.js';
import { uniform } from './assert.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of the inputs to check (default: all). The others are passed without requiresGrad. */
  wrt?: number[];
  /** Seed of the projection weights. */
  seed?: number;
  /** Name for failure messages. */
  name?: string;
}

function project(out: Tensor, weights: Tensor | null): Tensor {
  return weights === null ? out.sum() : out.mul(weights).sum();
}

/**
 * Checks d(Σ w ⊙ fn(inputs))/d(input_i) from backward() against central differences.
 * All inputs must be float64. Returns the largest absolute difference seen.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): number {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-6, seed = 1234, name = 'gradcheck' } = options;
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  return tidy(() => {
    for (const x of inputs) assert.equal(x.dtype, 'float64', `${name}: gradcheck inputs must be float64`);
    const base = inputs.map((x) => x.detach().clone());

    // Analytic gradients.
    const leaves = base.map((x, i) => (wrt.includes(i) ? x.clone().requiresGrad_(true) : x));
    const out = fn(...leaves);
    assert.equal(out.dtype, 'float64', `${name}: output dtype`);
    const weights =
      out.numel === 1 ? null : tensor(Float64Array.from(uniform(out.numel, seed, 0.5, 1.5)), { shape: [...out.shape] });
    project(out, weights).backward();

    const evaluate = (xs: Tensor[]): number => noGrad(() => tidy(() => project(fn(...xs), weights).item()));

    let maxDiff = 0;
    let anyNonZero = false;
    for (const i of wrt) {
      const leaf = leaves[i] as Tensor;
      const g = leaf.grad;
      const analytic = g === null ? new Float64Array(leaf.numel) : (g.contiguous().toTypedArray() as Float64Array);
      const x0 = (base[i] as Tensor).contiguous().toTypedArray() as Float64Array;
      const shape = [...leaf.shape];
      for (let j = 0; j < x0.length; j++) {
        const numeric = tidy(() => {
          const shifted = (delta: number): number => {
            const values = Float64Array.from(x0);
            values[j] = (values[j] as number) + delta;
            const xs = base.map((b, k) => (k === i ? tensor(values, { shape }) : b));
            return evaluate(xs);
          };
          return (shifted(eps) - shifted(-eps)) / (2 * eps);
        });
        const a = analytic[j] as number;
        const diff = Math.abs(a - numeric);
        maxDiff = Math.max(maxDiff, diff);
        if (a !== 0) anyNonZero = true;
        assert.ok(
          diff <= atol + rtol * Math.abs(numeric),
          `${name}: d/d(input ${i})[${j}]: analytic ${a}, numeric ${numeric} (|diff| ${diff.toExponential(3)})`,
        );
      }
    }
    assert.ok(anyNonZero, `${name}: every analytic gradient was zero; the check would prove nothing`);
    return maxDiff;
  });
}

/** A float64 tensor of `shape` with seeded values uniform in [lo, hi). */
export function rand64(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from(uniform(n, seed, lo, hi)), { shape });
}

/** A float64 tensor whose values have magnitudes in [0.2, 1.5) and random signs (away from kinks at 0). */
export function signed64(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const mags = uniform(n, seed, 0.2, 1.5);
  const signs = uniform(n, seed + 7919, -1, 1);
  return tensor(Float64Array.from(mags, (m, i) => ((signs[i] as number) < 0 ? -m : m)), { shape });
}
