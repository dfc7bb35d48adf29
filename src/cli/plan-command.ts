/**
 * `rlhf plan --config FILE`: a run's peak memory estimated before any work (no weights are
 * loaded: config.json and the safetensors headers give the shapes), broken down by part, against
 * this machine's memory (or --memory, or training.max_memory), with the changes that make it fit.
 */
import { parseArgs } from 'node:util';
import { loadConfig, resolveModelPaths, type RunConfig } from '../config/index.js';
import {
  adviseFit, budgetOf, gib, largestFittingBatch, machineMemory, parseMemorySize, planDevice, planMemory, readPlanModels, trainBatchSize,
  type BudgetMeasure, type FitAdvice, type MachineMemory, type MemoryPlan, type PlanModels, type PlanMoment,
} from '../memory/index.js';
import { cuda } from '../tensor/index.js';
import type { CommandIo } from './config-command.js';

export const PLAN_USAGE = `rlhf plan --config FILE [--set section.key=value]... [--world-size N] [--memory SIZE] [--json]
  --world-size N   data-parallel processes (default: $WORLD_SIZE, else 1): zero1 shards AdamW's state, DDP adds gradient buckets
  --memory SIZE    plan against SIZE (e.g. 16GiB) instead of this machine's available memory
  --json           the plan, the budget and the advice as JSON`;

const consoleIo: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** The memory a plan is checked against, and which of its figures that memory limits. */
interface Budget {
  bytes: number;
  what: string;
  measure: BudgetMeasure;
}

/**
 * The budget: --memory, else training.max_memory (the cap on the allocator's count, which leaves
 * out mapped weights), else the device's available memory; null when unknown (a GPU without nvidia-smi).
 */
function budgetFor(config: RunConfig, device: 'cpu' | 'cuda', machine: MachineMemory, memory: string | undefined): Budget | null {
  if (memory !== undefined) return { bytes: parseMemorySize(memory), what: `--memory ${memory}`, measure: 'peakBytes' };
  if (config.training.max_memory !== null) return { bytes: parseMemorySize(config.training.max_memory), what: `training.max_memory ${config.training.max_memory}`, measure: 'allocatorPeakBytes' };
  const b = budgetOf(machine, device);
  return b === null ? null : { ...b, measure: 'peakBytes' };
}

/** Aligned columns: the first left-aligned, the numbers right-aligned, the last as is. */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd());
}

const INTEGER = new Intl.NumberFormat('en-US');

/** When the peak happens, in words. */
const MOMENTS: Record<PlanMoment, string> = {
  forward: "at the end of a micro-batch's forward (one chunk of logits alive)",
  'reference forward': "during the reference model's forward, while the policy's activations wait for backward",
  backward: 'during backward, at the last block (every activation still kept)',
  'backward end': 'at the end of backward (every gradient, the first block replayed)',
  'optimizer step': 'in the optimizer step (every gradient, no activations)',
  rollout: 'during the rollout (the KV cache)',
  'rollout scoring': 'scoring the rollout without grad (every row at once)',
};

/** The plan as a readable report. */
export function formatPlan(config: RunConfig, models: PlanModels, plan: MemoryPlan): string[] {
  const t = config.training;
  const p = models.policy;
  const batch = trainBatchSize(config);
  const lines = [
    `${t.algorithm} on ${config.model.name_or_path} (${p.modelType}: ${p.numLayers} layers, hidden ${p.hiddenSize}, vocab ${INTEGER.format(p.vocabSize)}; ${INTEGER.format(p.parameters.total)} parameters), ${plan.device}`,
    `micro-batch ${batch}${t.per_device_train_batch_size === 'auto' ? ' (auto: its start)' : ''} x gradient accumulation ${t.gradient_accumulation_steps} = ${batch * t.gradient_accumulation_steps} per step; ` +
      `gradient checkpointing ${t.gradient_checkpointing ? 'on' : 'off'}; ${t.bf16 ? 'bf16 autocast' : t.fp16 ? 'fp16 autocast' : `${config.model.dtype} compute`}; ${config.lora.enabled ? `LoRA r ${config.lora.r}` : 'full fine-tuning'}`,
    '',
  ];
  const rows = [['part', 'at the peak', 'most', 'how'], ...plan.items.map((i) => [i.label, gib(i.atPeak), gib(i.bytes), i.detail])];
  rows.push(['peak (estimate)', gib(plan.peakBytes), '', MOMENTS[plan.peakMoment]]);
  const mapped = plan.peakBytes - plan.allocatorPeakBytes;
  if (mapped > 0) rows.push(['  tensor allocations', gib(plan.allocatorPeakBytes), '', `what the run's "peak CPU tensor memory" counts: weights mapped from checkpoint files (${gib(mapped)}) are the OS's pages`]);
  return [...lines, ...table(rows)];
}

/** The largest micro-batch the fit search tries. */
const LARGEST_TRIED = 4096;

/** The verdict against the budget, the largest micro-batch that fits, and the changes when it does not. */
function formatFit(config: RunConfig, plan: MemoryPlan, budget: Budget | null, advice: FitAdvice | null, largest: number, file: string): string[] {
  if (budget === null) return ['', 'memory: unknown for this device (nvidia-smi not found); pass --memory SIZE'];
  const needed = plan[budget.measure];
  const share = `${((100 * needed) / budget.bytes).toFixed(needed < budget.bytes / 100 ? 2 : 0)}%`;
  if (needed <= budget.bytes) {
    const more = largest > trainBatchSize(config) ? `; the largest micro-batch that fits as configured: ${largest}${largest === LARGEST_TRIED ? ' or more' : ''}` : '';
    return ['', `fits: ${gib(needed)} of ${gib(budget.bytes)} (${budget.what}), ${share}${more}`];
  }
  const lines = ['', `does not fit: ${gib(needed)} needed, ${gib(budget.bytes)} (${budget.what})`];
  if (advice === null) return [...lines, 'nothing the planner can change fits: a smaller model, a shorter data.max_length, or more memory'];
  const t = config.training;
  lines.push(`to fit (${gib(advice.plan[budget.measure])}${advice.sameTraining ? ', the same training' : ''}):`);
  for (const c of advice.changes) {
    const note = c.key === 'training.gradient_accumulation_steps' ? ` (the effective batch stays ${trainBatchSize(config) * t.gradient_accumulation_steps})` : c.key === 'training.bf16' ? ' (bfloat16 autocast: numbers change slightly)' : c.key === 'lora.enabled' ? ' (adapters on a frozen base)' : '';
    lines.push(`  ${c.key}: ${String(c.from)} -> ${String(c.to)}${note}`);
  }
  lines.push(`rlhf train --config ${file} ${advice.changes.map((c) => `--set ${c.key}=${String(c.to)}`).join(' ')}`);
  return lines;
}

/**
 * Runs `rlhf plan`; returns 0 (also when the run does not fit: the report says so), 2 on bad usage.
 * @example runPlan(['--config', 'examples/configs/sft.yaml'])
 */
export function runPlan(args: readonly string[], io: CommandIo = consoleIo, env: NodeJS.ProcessEnv = process.env): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { config: { type: 'string' }, set: { type: 'string', multiple: true }, 'world-size': { type: 'string' }, memory: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    io.err(`rlhf plan: ${(err as Error).message}\nusage: ${PLAN_USAGE}`);
    return 2;
  }
  if (values.config === undefined) {
    io.err(`rlhf plan: --config is required\nusage: ${PLAN_USAGE}`);
    return 2;
  }
  const worldSize = Number(values['world-size'] ?? env.WORLD_SIZE ?? 1);
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    io.err(`rlhf plan: --world-size must be a positive integer, got '${values['world-size'] ?? env.WORLD_SIZE}'`);
    return 2;
  }
  const config = loadConfig(values.config, { overrides: values.set ?? [] });
  const models = readPlanModels(resolveModelPaths(config));
  const machine = machineMemory();
  const device = planDevice(config, cuda.isAvailable());
  const options = { worldSize, device };
  const plan = planMemory(config, models, options);
  const budget = budgetFor(config, device, machine, values.memory);
  const advice = budget === null ? null : adviseFit(config, models, budget.bytes, options, budget.measure);
  const largest = budget === null ? 0 : largestFittingBatch(config, models, budget.bytes, options, budget.measure, LARGEST_TRIED);
  if (values.json) {
    const fits = budget === null ? null : plan[budget.measure] <= budget.bytes;
    io.out(JSON.stringify({ config: values.config, model: config.model.name_or_path, worldSize, plan, machine, budget, fits, largestFittingBatch: largest, advice }, null, 2));
    return 0;
  }
  for (const line of formatPlan(config, models, plan)) io.out(line);
  for (const line of formatFit(config, plan, budget, advice, largest, values.config)) io.out(line);
  return 0;
}
