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
}

export class OutOfMemoryError extends Error {
  constructor(
    readonly details: OutOfMemoryDetails,
    message?: string,
  ) {
    const d = details;
    const shape = `a micro-batch of ${d.examples} example(s)${d.longestTokens === null ? '' : `, the longest ${d.longestTokens} tokens`}`;
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

/** Watches one step: allocation failures and training.max_memory become OutOfMemoryError. */
export class MemoryGuard {
  constructor(
    private readonly limitBytes: number | null,
    private readonly longestInData: number[],
  ) {}

  private details(step: number, batch: readonly unknown[], cause: string | null): OutOfMemoryDetails {
    const lengths = longestExamples(batch, 1);
    return { step, examples: batch.length, longestTokens: lengths[0] ?? null, peakBytes: cpuMemory().peak, limitBytes: cause === null ? this.limitBytes : null, cause, longestInData: this.longestInData };
  }

  /** Runs one micro-batch's work; throws OutOfMemoryError on an allocation failure or past the cap. */
  run<T>(step: number, batch: readonly unknown[], work: () => T): T {
    let out: T;
    try {
      out = work();
    } catch (err) {
      if (!isAllocationFailure(err)) throw err;
      throw new OutOfMemoryError(this.details(step, batch, (err as Error).message.split('\n')[0] as string));
    }
    if (this.limitBytes !== null && cpuMemory().peak > this.limitBytes) throw new OutOfMemoryError(this.details(step, batch, null));
    return out;
  }
}
