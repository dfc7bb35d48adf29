/**
 * Plain-JS float64 reference implementations, written from the textbook/PyTorch definitions,
 * used to check the library's forward values. Arrays are nested number[] in row-major order.
 */

/** erf(x): Taylor series near 0, continued fraction for erfc in the tails (~1e-14 absolute). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  let k = ax;
  for (let n = 120; n >= 1; n--) k = ax + n / 2 / k;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k;
  return Math.sign(x) * (1 - erfc);
}

export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
export const silu = (x: number): number => x * sigmoid(x);
/** softplus with PyTorch's linear region above `threshold` (in units of beta·x). */
export const softplus = (x: number, beta = 1, threshold = 20): number =>
  beta * x > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
export const logsigmoid = (x: number): number => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));

export function logsumexp(row: readonly number[]): number {
  const m = Math.max(...row);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}
export function softmax(row: readonly number[]): number[] {
  const lse = logsumexp(row);
  return row.map((v) => Math.exp(v - lse));
}
export function logSoftmax(row: readonly number[]): number[] {
  const lse = logsumexp(row);
  return row.map((v) => v - lse);
}

export function matmul(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const k = b.length;
  const m = (b[0] as number[]).length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[i] as number[])[p]! * (b[p] as number[])[j]!;
      row.push(s);
    }
    out.push(row);
  }
  return out;
}
export const transpose = (a: readonly (readonly number[])[]): number[][] =>
  (a[0] as number[]).map((_, j) => a.map((row) => row[j] as number));

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, v) => s + v, 0) / xs.length;
}
/** Variance with divisor n - correction. */
export function variance(xs: readonly number[], unbiased = true): number {
  const m = mean(xs);
  return xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - (unbiased ? 1 : 0));
}

export function layerNormRow(row: readonly number[], eps: number, weight?: readonly number[], bias?: readonly number[]): number[] {
  const m = mean(row);
  const v = variance(row, false);
  return row.map((x, i) => ((x - m) / Math.sqrt(v + eps)) * (weight?.[i] ?? 1) + (bias?.[i] ?? 0));
}
export function rmsNormRow(row: readonly number[], eps: number, weight?: readonly number[]): number[] {
  const ms = mean(row.map((x) => x * x));
  return row.map((x, i) => (x / Math.sqrt(ms + eps)) * (weight?.[i] ?? 1));
}

export interface AttentionRefOptions {
  causal?: boolean;
  /** (L, S): true = may attend. */
  boolMask?: readonly (readonly boolean[])[];
  /** (L, S): added to the scores. */
  addMask?: readonly (readonly number[])[];
  scale?: number;
}
/** softmax(q kᵀ·scale + mask) v for one head: q (L, E), k (S, E), v (S, Ev). */
export function attention(
  q: readonly (readonly number[])[],
  k: readonly (readonly number[])[],
  v: readonly (readonly number[])[],
  options: AttentionRefOptions = {},
): number[][] {
  const e = (q[0] as number[]).length;
  const scale = options.scale ?? 1 / Math.sqrt(e);
  const scores = matmul(q, transpose(k)).map((row, i) =>
    row.map((s, j) => {
      let x = s * scale;
      if (options.causal && j > i) x = -Infinity;
      if (options.boolMask && !options.boolMask[i]![j]) x = -Infinity;
      if (options.addMask) x += options.addMask[i]![j]!;
      return x;
    }),
  );
  return matmul(scores.map(softmax), v);
}

export interface CrossEntropyRefOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
  weight?: readonly number[];
  reduction?: 'none' | 'sum' | 'mean';
}
/**
 * PyTorch's cross_entropy for logits (N, C) and class targets (N):
 * loss_i = (1-ε)·w[t]·(-log p_t) + (ε/C)·Σ_c w[c]·(-log p_c), 0 for ignored targets;
 * 'mean' divides the sum by Σ_i w[t_i] over non-ignored i.
 */
export function crossEntropy(
  logits: readonly (readonly number[])[],
  target: readonly number[],
  options: CrossEntropyRefOptions = {},
): number | number[] {
  const { ignoreIndex = -100, labelSmoothing: eps = 0, weight, reduction = 'mean' } = options;
  const losses: number[] = [];
  let denom = 0;
  logits.forEach((row, i) => {
    const t = target[i] as number;
    if (t === ignoreIndex) {
      losses.push(0);
      return;
    }
    const lp = logSoftmax(row);
    const c = row.length;
    const w = (j: number): number => weight?.[j] ?? 1;
    let smooth = 0;
    for (let j = 0; j < c; j++) smooth += w(j) * -(lp[j] as number);
    losses.push((1 - eps) * w(t) * -(lp[t] as number) + (eps / c) * smooth);
    denom += w(t);
  });
  if (reduction === 'none') return losses;
  const total = losses.reduce((s, v) => s + v, 0);
  return reduction === 'sum' ? total : total / denom;
}

/** -[y·log σ(x) + (1-y)·log(1-σ(x))] (posWeight multiplies the first term). */
export function bceWithLogits(x: number, y: number, posWeight = 1): number {
  return -(posWeight * y * logsigmoid(x) + (1 - y) * logsigmoid(-x));
}
