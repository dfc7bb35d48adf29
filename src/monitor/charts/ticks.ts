/**
 * Axis ticks at "nice" values (1, 2, 2.5 or 5 times a power of ten) and their labels.
 *
 * ```ts
 * niceTicks(0.13, 0.87);        // { min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] }
 * formatTick(0.00005, 0.00001);  // '5e-5'
 * ```
 */

export interface Ticks {
  /** Axis bounds: the data range widened to whole ticks. */
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** The nice step for spanning `span` in about `target` intervals. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const mult = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10;
  return mult * power;
}

/** Ticks covering [lo, hi] with about `target` intervals; a zero-width range is widened around its value. */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceTicks: range must be finite, got [${lo}, ${hi}]`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, target);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(Number((min + i * step).toPrecision(12)));
  return { min: ticks[0] ?? min, max: ticks[ticks.length - 1] ?? max, step, ticks };
}

/** A tick label with as many decimals as the step needs; exponents for tiny or huge values. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || (abs < 1e-3 && step < 1e-3)) return value.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals + (step / 10 ** -decimals === 2.5 ? 1 : 0));
}
