/**
 * Running out of memory as an error that explains itself: an allocation failure during a step
 * (the CPU allocator, CUDA), or a step whose CPU tensor memory passed training.max_memory,
 * becomes one OutOfMemoryError with the step, the micro-batch's shape and the peak; the run's
 * caller (trainWithConfig) adds advice for this run and writes memory_optimized_config.yaml.
 * The step that failed was not applied, so the last checkpoint is the run's state.
 */
import { cpuMemory } from '../../tensor/index.js';

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/**
 * Bytes of a size such as `8GiB`, `512MiB` or `2.5GB`.
 * @example parseMemorySize('1.5GiB') // 1610612736
 */
export function parseMemorySize(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?i?B)$/.exec(size.trim());
  const unit = m === null ? undefined : UNITS[m[2] as string];
  if (m === null || unit === undefined) throw new Error(`memory size ${JSON.stringify(size)}: expected a number and a unit, such as 8GiB, 512MiB or 2.5GB`);
  return Math.round(Number(m[1]) * unit);
}

/** 1.25 GiB, or 37.4 MiB below a GiB. */
export const gib = (bytes: number): string => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

/** What ran out, where. */
export interface OutOfMemoryDetails {
  step: number;
  /** Examples in the micro-batch that failed, and its longest in tokens (null when unknown). */
  examples: number;
  longestTokens: number | null;
  /** The most CPU tensor memory of the step so far. */
  peakBytes: number;
  /** training.max_memory in bytes, when it is what was exceeded. */
  limitBytes: number | null;
  /** The allocator's own message, when an allocation failed. */
  cause: string | null;
  /** The longest examples of the training set, in tokens (longest first). */
  longestInData: number[];
  /** What the failing work was (default a micro-batch of examples; an RL rollout of prompts, an update of completions). */
  work?: WorkLabel;
}

/** How an error names the work and its items: "a rollout of 4 prompt(s)". */
export interface WorkLabel {
  what: string;
  unit: string;
}

const MICRO_BATCH: WorkLabel = { what: 'a micro-batch', unit: 'example' };
/** An RL rollout (generation, scoring, reference and old log-probs) and an RL update's micro-batch. */
export const ROLLOUT: WorkLabel = { what: 'a rollout', unit: 'prompt' };
export const UPDATE_MICRO_BATCH: WorkLabel = { what: 'an update micro-batch', unit: 'completion' };

export class OutOfMemoryError extends Error {
  constructor(
    readonly details: OutOfMemoryDetails,
    message?: string,
  ) {
    const d = details;
    const work = d.work ?? MICRO_BATCH;
    const shape = `${work.what} of ${d.examples} ${work.unit}(s)${d.longestTokens === null ? '' : `, the longest ${d.longestTokens} tokens`}`;
    const what = d.limitBytes !== null ? `needed ${gib(d.peakBytes)} of CPU tensor memory, above training.max_memory (${gib(d.limitBytes)})` : `ran out of memory (${d.cause ?? 'allocation failed'}; ${gib(d.peakBytes)} of CPU tensors at the peak)`;
    super(message ?? `step ${d.step}: ${shape} ${what}`);
    this.name = 'OutOfMemoryError';
  }
}

/** Whether an error is an allocation failure (CPU allocator, CUDA, C++ bad_alloc). */
export function isAllocationFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /can't allocate memory|not enough memory|CUDA out of memory|out of memory|std::bad_alloc|Cannot allocate memory/i.test(message);
}

/** Tokens of one example of any kind (the token-id arrays it carries), or null. */
export function exampleTokens(example: unknown): number | null {
  if (example === null || typeof example !== 'object') return null;
  const e = example as Record<string, unknown>;
  const len = (k: string) => (Array.isArray(e[k]) ? (e[k] as unknown[]).length : 0);
  if (Array.isArray(e['inputIds'])) return len('inputIds');
  if (Array.isArray(e['chosenIds'])) return len('promptIds') + Math.max(len('chosenIds'), len('rejectedIds'));
  if (Array.isArray(e['ids'])) return len('ids');
  return null;
}

/** The `count` longest examples in tokens, longest first. */
export function longestExamples(examples: readonly unknown[], count = 3): number[] {
  return examples.map(exampleTokens).filter((n): n is number => n !== null).sort((a, b) => b - a).slice(0, count);
}

/** What a guarded piece of work ran on: a micro-batch's examples, or a count and a length with a label. */
export type WorkShape = readonly unknown[] | { count: number; longestTokens: number | null; label: WorkLabel };

/** Watches one step: allocation failures and training.max_memory become OutOfMemoryError. */
export class MemoryGuard {
  constructor(
    private readonly limitBytes: number | null,
    private readonly longestInData: number[],
  ) {}

  private details(step: number, shape: WorkShape, cause: string | null): OutOfMemoryDetails {
    const peak = { peakBytes: cpuMemory().peak, limitBytes: cause === null ? this.limitBytes : null, cause, longestInData: this.longestInData };
    if (!Array.isArray(shape)) {
      const s = shape as Exclude<WorkShape, readonly unknown[]>;
      return { step, examples: s.count, longestTokens: s.longestTokens, work: s.label, ...peak };
    }
    return { step, examples: shape.length, longestTokens: longestExamples(shape, 1)[0] ?? null, ...peak };
  }

  private failure(step: number, shape: WorkShape, err: unknown): unknown {
    return isAllocationFailure(err) ? new OutOfMemoryError(this.details(step, shape, (err as Error).message.split('\n')[0] as string)) : err;
  }

  private checkCap(step: number, shape: WorkShape): void {
    if (this.limitBytes !== null && cpuMemory().peak > this.limitBytes) throw new OutOfMemoryError(this.details(step, shape, null));
  }

  /** Runs one micro-batch's work; throws OutOfMemoryError on an allocation failure or past the cap. */
  run<T>(step: number, shape: WorkShape, work: () => T): T {
    let out: T;
    try {
      out = work();
    } catch (err) {
      throw this.failure(step, shape, err);
    }
    this.checkCap(step, shape);
    return out;
  }

  /** run() for asynchronous work (a rollout). */
  async runAsync<T>(step: number, shape: WorkShape, work: () => Promise<T>): Promise<T> {
    let out: T;
    try {
      out = await work();
    } catch (err) {
      throw this.failure(step, shape, err);
    }
    this.checkCap(step, shape);
    return out;
  }
}
