/**
 * What to change so a run fits a memory budget, found with the planner: the largest micro-batch
 * that fits with gradient accumulation keeping the effective batch; failing that, with gradient
 * checkpointing, bfloat16 autocast, both, then LoRA (alone, then with the others): the cheapest
 * set of changes whose plan fits. A batch split and checkpointing train exactly the same model
 * (slower); bf16 changes the numbers slightly; LoRA trains adapters instead of the weights.
 *
 * ```ts
 * const advice = adviseFit(config, models, 8 * 2 ** 30);
 * advice?.changes; // [{ key: 'training.per_device_train_batch_size', from: 8, to: 2 }, ...]
 * ```
 */
import { LORA_ALGORITHMS, type RunConfig } from '../config/index.js';
import { planMemory, trainBatchSize, type MemoryPlan, type PlanModels, type PlanOptions } from './plan.js';

export interface FitChange {
  /** A config key, as --set takes it (training.per_device_train_batch_size). */
  key: string;
  from: number | boolean | string;
  to: number | boolean | string;
}

export interface FitAdvice {
  changes: FitChange[];
  /** The plan with the changes applied. */
  plan: MemoryPlan;
  /** False where the changes change what is trained (bf16 numerics, LoRA adapters). */
  sameTraining: boolean;
}

/** Which figure of a plan a budget limits: everything resident, or the allocator's count (training.max_memory). */
export type BudgetMeasure = 'peakBytes' | 'allocatorPeakBytes';


/**
 * Micro-batch sizes to try from `batch` down: its divisors, largest first, so that
 * batch x accumulation stays a whole number of micro-batches of each.
 * @example batchCandidates(12) // [12, 6, 4, 3, 2, 1]
 */
export function batchCandidates(batch: number): number[] {
  const out: number[] = [];
  for (let b = batch; b >= 1; b--) if (batch % b === 0) out.push(b);
  return out;
}

/** The config with a micro-batch of `batch` and the accumulation that keeps the effective batch. */
function withBatch(config: RunConfig, batch: number): RunConfig {
  const t = config.training;
  const effective = trainBatchSize(config) * t.gradient_accumulation_steps;
  return { ...config, training: { ...t, per_device_train_batch_size: batch, gradient_accumulation_steps: effective / batch } };
}

/** A change the advice may make beyond the batch split. */
type Lever = 'checkpointing' | 'bf16' | 'lora';

const LEVERS: Record<Lever, (c: RunConfig) => RunConfig> = {
  checkpointing: (c) => ({ ...c, training: { ...c.training, gradient_checkpointing: true } }),
  bf16: (c) => ({ ...c, training: { ...c.training, bf16: true } }),
  lora: (c) => ({ ...c, lora: { ...c.lora, enabled: true } }),
};

/**
 * The sets of levers tried, cheapest first: the same training (a batch split, then checkpointing),
 * then bf16 numerics, then LoRA (alone before combined with the others).
 */
const LEVER_SETS: readonly Lever[][] = [[], ['checkpointing'], ['bf16'], ['checkpointing', 'bf16'], ['lora'], ['lora', 'checkpointing'], ['lora', 'bf16'], ['lora', 'checkpointing', 'bf16']];

/** The levers that apply to a config (not already on, allowed for its algorithm and model). */
function availableLevers(config: RunConfig): Set<Lever> {
  const t = config.training;
  const levers = new Set<Lever>();
  if (!t.gradient_checkpointing) levers.add('checkpointing');
  if (!t.bf16 && !t.fp16 && config.model.dtype === 'float32') levers.add('bf16');
  if (!config.lora.enabled && LORA_ALGORITHMS.includes(t.algorithm) && config.model.init !== 'from_scratch') levers.add('lora');
  return levers;
}

/**
 * The cheapest set of changes whose plan fits `budgetBytes` (LEVER_SETS' order), each with the
 * largest micro-batch that fits and the accumulation that keeps the effective batch; null when
 * the run fits as it is, or nothing fits (not even batch 1 with every lever).
 */
export function adviseFit(config: RunConfig, models: PlanModels, budgetBytes: number, options: PlanOptions = {}, measure: BudgetMeasure = 'peakBytes'): FitAdvice | null {
  const fits = (c: RunConfig) => planMemory(c, models, options)[measure] <= budgetBytes;
  if (fits(config)) return null;
  const available = availableLevers(config);
  for (const set of LEVER_SETS) {
    if (!set.every((l) => available.has(l))) continue;
    const levered = set.reduce((c, l) => LEVERS[l](c), config);
    for (const batch of batchCandidates(trainBatchSize(config))) {
      const candidate = withBatch(levered, batch);
      if (fits(candidate)) {
        return { changes: changesBetween(config, candidate), plan: planMemory(candidate, models, options), sameTraining: set.every((l) => l === 'checkpointing') };
      }
    }
  }
  return null;
}

/**
 * The largest micro-batch (doubling from 1, up to `limit`) whose plan fits, with everything else
 * as configured; 0 when not even 1 fits.
 */
export function largestFittingBatch(config: RunConfig, models: PlanModels, budgetBytes: number, options: PlanOptions = {}, measure: BudgetMeasure = 'peakBytes', limit = 4096): number {
  let best = 0;
  for (let b = 1; b <= limit; b *= 2) {
    const c = { ...config, training: { ...config.training, per_device_train_batch_size: b } };
    if (planMemory(c, models, options)[measure] > budgetBytes) break;
    best = b;
  }
  return best;
}

function changesBetween(from: RunConfig, to: RunConfig): FitChange[] {
  const changes: FitChange[] = [];
  const add = (key: string, a: number | boolean | string, b: number | boolean | string) => {
    if (a !== b) changes.push({ key, from: a, to: b });
  };
  add('training.per_device_train_batch_size', from.training.per_device_train_batch_size, to.training.per_device_train_batch_size);
  add('training.gradient_accumulation_steps', from.training.gradient_accumulation_steps, to.training.gradient_accumulation_steps);
  add('training.gradient_checkpointing', from.training.gradient_checkpointing, to.training.gradient_checkpointing);
  add('training.bf16', from.training.bf16, to.training.bf16);
  add('lora.enabled', from.lora.enabled, to.lora.enabled);
  return changes;
}
