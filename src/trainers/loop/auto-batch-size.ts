/**
 * `per_device_train_batch_size: auto` (and `per_device_eval_batch_size: auto`): before training,
 * the Trainer runs its own forward and backward on the longest examples of the training set at
 * training.auto_batch_size_start, halving on out-of-memory, and keeps the largest size that fits;
 * gradient_accumulation_steps grows by what the batch shrank, so the effective batch stays
 * auto_batch_size_start x gradient_accumulation_steps and the run trains as the start would have
 * (TRL's auto_find_batch_size halves too, but lets the effective batch shrink).
 *
 * Longest first: a batch of the B longest examples is the one that would fail last in an epoch
 * (padding makes the batch as long as its longest row), so a size that fits it fits every step.
 * A try runs out of memory when the allocator fails (CPU or CUDA, as out-of-memory.ts reads it),
 * or when its peak CPU tensor memory plus the AdamW moments the first update will add passes the
 * cap: training.max_memory, else what is allocated now plus 75% of the machine's available
 * memory (the count covers tensors only, not the JS heap or the allocator's slack, hence the
 * margin), so the probe does not swap the machine. The probe changes no weight (no optimizer
 * step), leaves no gradient and restores the algorithm's state; the session reseeds the RNG.
 *
 * ```ts
 * const sizes = resolveBatchSizes(config.training, hooks); // in the Trainer's constructor
 * sizes.training.per_device_train_batch_size; // 4
 * sizes.lines; // ['auto batch size: 8 ran out of memory (...); 4 fits: ...']
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { writeResolvedConfig, type ResolvedTrainingConfig, type RunConfig, type TrainingConfig } from '../../config/index.js';
import type { ProcessGroup } from '../../distributed/index.js';
import { BYTES_PER_ELEMENT, cpuMemory, noGrad, resetCpuMemoryPeak, tidy, zerosLike, type Tensor } from '../../tensor/index.js';
import { exampleTokens, gib, isAllocationFailure, longestExamples, OutOfMemoryError, parseMemorySize } from './out-of-memory.js';
import type { Algorithm } from './types.js';

/** Without training.max_memory, the probe may use this share of the memory the OS reports available. */
export const AVAILABLE_MEMORY_SHARE = 0.75;

/**
 * Half the batch when it splits evenly, else 1 (the candidates all divide the start, so the
 * accumulation that makes up for them is a whole number).
 * @example halvedBatchSize(8) // 4
 * @example halvedBatchSize(3) // 1
 */
export const halvedBatchSize = (b: number): number => (b <= 1 ? b : b % 2 === 0 ? b / 2 : 1);

/** The sizes the probe tries, largest first: 12 -> [12, 6, 3, 1]. */
export function batchSizeCandidates(start: number): number[] {
  const sizes = [start];
  for (let b = start; b > 1; ) {
    b = halvedBatchSize(b);
    sizes.push(b);
  }
  return sizes;
}

/** Tokens of an example for ordering: its token ids, a critic pair's teacher and student; 0 when unknown. */
function tokensOf(example: unknown): number {
  const n = exampleTokens(example);
  if (n !== null) return n;
  if (example === null || typeof example !== 'object') return 0;
  const e = example as Record<string, unknown>;
  return (exampleTokens(e['teacher']) ?? 0) + (exampleTokens(e['student']) ?? 0);
}

/** Indices of the `count` longest examples, longest first (ties, and examples without token ids, in data order). */
export function longestIndices(examples: readonly unknown[], count: number): number[] {
  const lengths = examples.map(tokensOf);
  return lengths.map((_, i) => i).sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b).slice(0, count);
}

/** What one probe may use. */
export interface MemoryCap {
  bytes: number;
  /** How messages name it: `max_memory 1.00 GiB`, or the derived cap and where it came from. */
  label: string;
}

/** training.max_memory, else the tensors allocated now plus AVAILABLE_MEMORY_SHARE of the available memory. */
export function probeMemoryCap(t: Pick<TrainingConfig, 'max_memory'>, allocatedNow = cpuMemory().allocated): MemoryCap {
  if (t.max_memory !== null) {
    const bytes = parseMemorySize(t.max_memory);
    return { bytes, label: `max_memory ${gib(bytes)}` };
  }
  // process.availableMemory() also honours a cgroup limit (a container); os.freemem() before Node 20.13.
  const available = typeof process.availableMemory === 'function' ? process.availableMemory() : freemem();
  const bytes = allocatedNow + AVAILABLE_MEMORY_SHARE * available;
  return { bytes, label: `the probe's cap ${gib(bytes)} (${AVAILABLE_MEMORY_SHARE * 100}% of the ${gib(available)} available, plus the tensors now)` };
}

/** One probed batch size. */
export interface ProbeTry {
  size: number;
  /** Indices in the dataset of the examples probed: the `size` longest, longest first. */
  indices: number[];
  /** Tokens of the longest example probed. */
  longestTokens: number;
  /** Peak CPU tensor memory of the try. */
  peakBytes: number;
  /** The peak plus the optimizer state still to come: what is held against the cap. */
  neededBytes: number;
  /** Why it did not fit (the allocator's message, or the numbers past the cap); null when it fit. */
  failure: string | null;
  /** Whether an allocation failed (rather than the peak passing the cap). */
  allocationFailed: boolean;
}

export interface BatchSizeSearch {
  /** The largest size that fit; null when not even 1 did. */
  size: number | null;
  tries: ProbeTry[];
}

/**
 * Tries `run` on the longest examples at each candidate size from `start` until one fits.
 * `reservedBytes` is memory the step will hold that the try does not (AdamW's moments).
 */
export function searchBatchSize<E>(examples: readonly E[], start: number, run: (batch: E[]) => void, cap: MemoryCap, reservedBytes: number): BatchSizeSearch {
  const order = longestIndices(examples, start);
  const tries: ProbeTry[] = [];
  for (const size of batchSizeCandidates(start)) {
    const indices = order.slice(0, size);
    const batch = indices.map((i) => examples[i] as E);
    let failure: string | null = null;
    let allocationFailed = false;
    resetCpuMemoryPeak();
    try {
      run(batch);
    } catch (err) {
      if (!isAllocationFailure(err) && !(err instanceof OutOfMemoryError)) throw err;
      failure = err instanceof OutOfMemoryError ? err.message : `the allocator failed: ${(err as Error).message.split('\n')[0]}`;
      allocationFailed = true;
    }
    const peakBytes = cpuMemory().peak;
    const neededBytes = peakBytes + reservedBytes;
    if (failure === null && neededBytes > cap.bytes) {
      failure = reservedBytes > 0 ? `peak ${gib(peakBytes)} + ${gib(reservedBytes)} of AdamW state > ${cap.label}` : `peak ${gib(peakBytes)} > ${cap.label}`;
    }
    tries.push({ size, indices, longestTokens: tokensOf(batch[0]), peakBytes, neededBytes, failure, allocationFailed });
    if (failure === null) return { size, tries };
  }
  return { size: null, tries };
}

/** What the Trainer lends the probe: its data, its step's own forward/backward and forward. */
export interface ProbeHooks<E> {
  train: readonly E[];
  validation: readonly E[];
  algorithm: Pick<Algorithm<E>, 'model' | 'stateDict' | 'loadStateDict'>;
  /** The trainable parameters (their gradients, and AdamW's moments of them). */
  params: readonly Tensor[];
  /** One micro-batch's forward and backward, as a training step runs it (autocast, checkpointing). */
  backward(batch: readonly E[]): void;
  /** One evaluation forward (no grad). */
  forward(batch: readonly E[]): void;
  /** Data-parallel: every rank takes the smallest size any rank found. */
  group: ProcessGroup | null;
}

export interface AutoBatchSizes {
  training: ResolvedTrainingConfig;
  /** One line per key that was auto, for training.log. */
  lines: string[];
  /** The searches, null for a key that was a number (or auto eval without validation data). */
  train: BatchSizeSearch | null;
  eval: BatchSizeSearch | null;
}

const bytesOf = (params: readonly Tensor[]) => params.reduce((n, p) => n + p.numel * BYTES_PER_ELEMENT[p.dtype], 0);

/** How the tries that did not fit read: `8 ran out of memory (...) on the 8 longest examples (512 tokens); `. */
function failedTries(search: BatchSizeSearch, what: string): string {
  return search.tries
    .filter((t) => t.failure !== null)
    .map((t) => `${t.size} ran out of memory (${t.failure}) on the ${t.indices.length} longest ${what} (${t.longestTokens} tokens); `)
    .join('');
}

/** `4 fits on the 4 longest examples (512 tokens; needs 0.9 GiB of max_memory 1.0 GiB)`; a size only another rank chose: `2 fits`. */
function fitting(search: BatchSizeSearch, size: number, cap: MemoryCap, what: string): string {
  const fit = search.tries.find((x) => x.size === size && x.failure === null);
  return fit === undefined ? `${size} fits (on another rank's probe)` : `${size} fits on the ${fit.indices.length} longest ${what} (${fit.longestTokens} tokens; needs ${gib(fit.neededBytes)} of ${cap.label})`;
}

/** Every rank's size, the smallest (a rank that found none makes it 0, and every rank fails together). */
function agreed(group: ProcessGroup | null, size: number | null): number | null {
  if (group === null) return size;
  const smallest = -(group.allReduceNumbers([-(size ?? 0)], 'max')[0] as number);
  return smallest > 0 ? smallest : null;
}

/** The error when not even 1 example fits; trainWithConfig adds advice to it. */
function noSizeFits(search: BatchSizeSearch, t: TrainingConfig, examples: readonly unknown[], key: string, what: string): OutOfMemoryError {
  const last = search.tries[search.tries.length - 1] as ProbeTry;
  // As the step's MemoryGuard reports it: the limit when max_memory was passed, else the cause.
  const limitBytes = last.allocationFailed || t.max_memory === null ? null : parseMemorySize(t.max_memory);
  return new OutOfMemoryError(
    {
      step: 0, examples: last.indices.length, longestTokens: last.longestTokens, peakBytes: last.neededBytes,
      limitBytes, cause: limitBytes === null ? last.failure : null, longestInData: longestExamples(examples),
    },
    `${key} auto: not even 1 example fits: ${failedTries(search, what).replace(/; $/, '')}`,
  );
}

/**
 * Resolves the 'auto' batch sizes of `t` by probing (see the file comment); a number stays as it
 * is. Throws OutOfMemoryError when not even a batch of 1 fits.
 */
export function resolveBatchSizes<E>(t: TrainingConfig, hooks: ProbeHooks<E>): AutoBatchSizes {
  const trainAuto = t.per_device_train_batch_size === 'auto';
  const evalAuto = t.per_device_eval_batch_size === 'auto';
  const start = t.auto_batch_size_start;
  const fixed = (b: number | 'auto') => (b === 'auto' ? start : b);
  const resolved: ResolvedTrainingConfig = { ...t, per_device_train_batch_size: fixed(t.per_device_train_batch_size), per_device_eval_batch_size: fixed(t.per_device_eval_batch_size) };
  const none: AutoBatchSizes = { training: resolved, lines: [], train: null, eval: null };
  if (!trainAuto && (!evalAuto || hooks.validation.length === 0)) return none;

  const { model } = hooks.algorithm;
  const state = hooks.algorithm.stateDict?.(); // an adaptive temperature, say, must not learn from the probe
  const cap = probeMemoryCap(t);
  // AdamW's exp_avg and exp_avg_sq, made at the first update (an over-count under zero1, which shards them).
  const reserved = 2 * bytesOf(hooks.params);
  const lines: string[] = [];
  let trainSearch: BatchSizeSearch | null = null;
  let evalSearch: BatchSizeSearch | null = null;
  try {
    // Evaluation runs between steps: the moments are there, the gradients are not.
    if (evalAuto && hooks.validation.length > 0) {
      model.eval();
      evalSearch = searchBatchSize(hooks.validation, start, (batch) => hooks.forward(batch), cap, reserved);
      const size = agreed(hooks.group, evalSearch.size);
      if (size === null) throw noSizeFits(evalSearch, t, hooks.validation, 'per_device_eval_batch_size', 'validation examples');
      resolved.per_device_eval_batch_size = size;
      lines.push(`auto eval batch size: ${failedTries(evalSearch, 'validation examples')}${fitting(evalSearch, size, cap, 'validation examples')}: per_device_eval_batch_size ${size}`);
    }
    if (trainAuto) {
      model.train();
      // Gradients first: from a step's second micro-batch on they are held through the forward.
      tidy(() => noGrad(() => {
        for (const p of hooks.params) if (p.grad === null) p.grad = zerosLike(p);
      }));
      trainSearch = searchBatchSize(hooks.train, start, (batch) => hooks.backward(batch), cap, reserved);
      const size = agreed(hooks.group, trainSearch.size);
      if (size === null) throw noSizeFits(trainSearch, t, hooks.train, 'per_device_train_batch_size', 'examples');
      const accumulation = t.gradient_accumulation_steps * (start / size);
      resolved.per_device_train_batch_size = size;
      resolved.gradient_accumulation_steps = accumulation;
      const steps = accumulation === t.gradient_accumulation_steps ? `${accumulation}` : `${t.gradient_accumulation_steps} -> ${accumulation}`;
      // The training line first in the log, though evaluation was probed first.
      lines.unshift(`auto batch size: ${failedTries(trainSearch, 'examples')}${fitting(trainSearch, size, cap, 'examples')}: per_device_train_batch_size ${size}, gradient_accumulation_steps ${steps} (effective batch ${start * t.gradient_accumulation_steps} stays)`);
    }
  } finally {
    for (const p of hooks.params) p.zeroGrad();
    if (state !== undefined) hooks.algorithm.loadStateDict?.(state);
    model.train();
  }
  return { training: resolved, lines, train: trainSearch, eval: evalSearch };
}

/**
 * Writes the numbers the probe chose into `<outputDir>/resolved_config.yaml` (prepareRun wrote
 * it with auto), so the file reruns this training without probing. Returns its path, or null
 * when the run wrote none (a Trainer built by hand).
 */
export function saveResolvedBatchSizes(outputDir: string, t: ResolvedTrainingConfig): string | null {
  const file = join(outputDir, 'resolved_config.yaml');
  if (!existsSync(file)) return null;
  const saved = parse(readFileSync(file, 'utf8')) as RunConfig;
  const { per_device_train_batch_size, per_device_eval_batch_size, gradient_accumulation_steps } = t;
  saved.training = { ...saved.training, per_device_train_batch_size, per_device_eval_batch_size, gradient_accumulation_steps };
  return writeResolvedConfig(outputDir, saved);
}
