/**
 * Learning-rate schedules as pure functions from a step to a multiplier of the base lr,
 * with the formulas of Hugging Face transformers' get_*_schedule* (optimization.py), so a
 * run ported from transformers sees the same lr at every step. LrScheduler applies them.
 *
 * ```ts
 * const f = linearWithWarmup({ warmupSteps: 10, totalSteps: 100 });
 * f(5);  // 0.5 — halfway through warmup
 * f(55); // 0.5 — halfway through the decay
 * ```
 */

/** Multiplier of the base learning rate at `step` (0-based), as transformers' lr_lambda. */
export type Schedule = (step: number) => number;

export interface WarmupOptions {
  /** Steps over which the multiplier rises linearly from 0 to 1. */
  warmupSteps: number;
}

export interface DecayOptions extends WarmupOptions {
  /** Total training steps; the multiplier reaches its end value here. Must be >= warmupSteps. */
  totalSteps: number;
}

export interface CosineOptions extends DecayOptions {
  /** Cosine half-periods over the decay: 0.5 (default) goes from 1 down to 0 once. */
  numCycles?: number;
}

/** transformers' lr_scheduler_type names. */
export type ScheduleConfig =
  | { type: 'constant' }
  | ({ type: 'constant_with_warmup' } & WarmupOptions)
  | ({ type: 'linear' } & DecayOptions)
  | ({ type: 'cosine' } & CosineOptions);

/** Always 1 (get_constant_schedule). */
export function constantSchedule(): Schedule {
  return () => 1;
}

/** step / warmupSteps during warmup, then 1 (get_constant_schedule_with_warmup). */
export function constantWithWarmup(options: WarmupOptions): Schedule {
  const { warmupSteps } = checkWarmup(options, 'constantWithWarmup');
  return (step) => (step < warmupSteps ? step / Math.max(1, warmupSteps) : 1);
}

/** Linear warmup, then linear decay to 0 at totalSteps (get_linear_schedule_with_warmup). */
export function linearWithWarmup(options: DecayOptions): Schedule {
  const { warmupSteps, totalSteps } = checkDecay(options, 'linearWithWarmup');
  return (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  };
}

/**
 * Linear warmup, then 0.5·(1 + cos(π·numCycles·2·progress)) where progress runs 0 → 1 from
 * the end of warmup to totalSteps (get_cosine_schedule_with_warmup).
 */
export function cosineWithWarmup(options: CosineOptions): Schedule {
  const { warmupSteps, totalSteps } = checkDecay(options, 'cosineWithWarmup');
  const numCycles = options.numCycles ?? 0.5;
  if (!(numCycles >= 0)) throw new RangeError(`cosineWithWarmup: numCycles (${numCycles}) must be >= 0`);
  return (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
  };
}

/** The schedule a config names (e.g. from a CLI flag or a trainer config). */
export function makeSchedule(config: ScheduleConfig): Schedule {
  switch (config.type) {
    case 'constant':
      return constantSchedule();
    case 'constant_with_warmup':
      return constantWithWarmup(config);
    case 'linear':
      return linearWithWarmup(config);
    case 'cosine':
      return cosineWithWarmup(config);
    default: {
      const unknown: never = config;
      throw new TypeError(`makeSchedule: unknown schedule type ${JSON.stringify((unknown as { type: unknown }).type)}`);
    }
  }
}

function checkWarmup(options: WarmupOptions, name: string): WarmupOptions {
  const { warmupSteps } = options;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`${name}: warmupSteps (${warmupSteps}) must be a non-negative integer`);
  return options;
}

function checkDecay(options: DecayOptions, name: string): DecayOptions {
  checkWarmup(options, name);
  const { warmupSteps, totalSteps } = options;
  if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
    throw new RangeError(`${name}: totalSteps (${totalSteps}) must be an integer >= warmupSteps (${warmupSteps})`);
  }
  return options;
}
