/**
 * What to change when a run does not fit: concrete numbers for this run (half the batch with
 * twice the accumulation, so the effective batch stays; gradient checkpointing; bf16; shorter
 * sequences given the data's longest; for grpo/ppo fewer rows decoded at a time and shorter
 * completions; LoRA), and the user's config with the safe changes applied (batch, accumulation,
 * checkpointing, rows decoded together: the same training, less memory), written as
 * memory_optimized_config.yaml beside the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunConfig } from '../../config/index.js';
import { ONLINE_ALGORITHMS } from '../../config/schema/training.js';
import { ROLLOUT, type OutOfMemoryDetails } from './out-of-memory.js';
import { halvedBatchSize } from './auto-batch-size.js';

export const MEMORY_OPTIMIZED_CONFIG = 'memory_optimized_config.yaml';

export interface MemoryAdvice {
  /** One line per suggestion, with this run's numbers. */
  lines: string[];
  /** The config with the changes that keep the training the same (batch split, checkpointing). */
  optimized: RunConfig;
  /** Those changes in words, for the line that names the written file. */
  applied: string;
}

export function memoryAdvice(config: RunConfig, d: OutOfMemoryDetails): MemoryAdvice {
  const t = config.training;
  const lines: string[] = [];
  const batch = t.per_device_train_batch_size;
  const accumulation = t.gradient_accumulation_steps;
  // Halve the micro-batch; accumulation makes up the rest. (With auto the probe already halved
  // until the longest examples fit: the config keeps auto.)
  const split = batch === 'auto' || batch === 1 ? null : { batch: halvedBatchSize(batch), accumulation: (accumulation * batch) / halvedBatchSize(batch), effective: batch * accumulation };
  if (split !== null) {
    lines.push(`per_device_train_batch_size ${batch} -> ${split.batch} with gradient_accumulation_steps ${accumulation} -> ${split.accumulation} (the effective batch stays ${split.effective})`);
  }
  if (!t.gradient_checkpointing) lines.push('training.gradient_checkpointing: true (recompute each layer in backward: activations of one layer at a time)');
  if (!t.bf16 && !t.fp16) lines.push('training.bf16: true (bfloat16 autocast: activations in half the bytes; numbers change slightly)');
  const online = ONLINE_ALGORITHMS.includes(t.algorithm);
  // A rollout decodes per_device_train_batch_size x gradient_accumulation_steps rows (all at once
  // unless generation.max_batch_size): fewer at a time when the rollout is what ran out.
  const rolloutRows = typeof batch === 'number' ? batch * accumulation : 1;
  const decoding = config.generation.max_batch_size ?? rolloutRows;
  const fewerRows = online && d.work?.what === ROLLOUT.what && decoding > 1 ? Math.floor(decoding / 2) : null;
  if (fewerRows !== null) {
    lines.push(`generation.max_batch_size ${config.generation.max_batch_size ?? 'null'} -> ${fewerRows} (decode ${fewerRows} rows at a time instead of ${decoding}: half the KV cache, the same sampling)`);
  }
  const longest = d.longestInData.length > 0 ? `; the longest ${online ? 'prompts' : 'examples'} of this dataset have ${d.longestInData.join(', ')} tokens` : '';
  if (online) lines.push(`a shorter generation.max_new_tokens (now ${config.generation.max_new_tokens}) or data.max_prompt_length (now ${config.data.max_prompt_length}${longest})`);
  else lines.push(`a shorter data.max_length (now ${config.data.max_length}${longest})`);
  if (!config.lora.enabled) lines.push('lora.enabled: true (adapters only: no gradients or optimizer state for the base weights)');
  const optimized = structuredClone(config);
  if (fewerRows !== null) optimized.generation.max_batch_size = fewerRows;
  if (split !== null) {
    optimized.training.per_device_train_batch_size = split.batch;
    optimized.training.gradient_accumulation_steps = split.accumulation;
  }
  optimized.training.gradient_checkpointing = true;
  const applied = [split === null ? null : 'batch split with more accumulation', 'gradient checkpointing on', fewerRows === null ? null : `${fewerRows} rows decoded at a time`].filter((x) => x !== null).join(', ');
  return { lines, optimized, applied };
}

/** Writes `<dir>/memory_optimized_config.yaml`; returns its path. */
export function writeMemoryOptimizedConfig(dir: string, config: RunConfig, advice: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, MEMORY_OPTIMIZED_CONFIG);
  const header = ['# The run config with memory advice applied (written by rlhf-ts after running out of memory):', ...advice.map((a) => `#   ${a}`)];
  writeFileSync(file, `${header.join('\n')}\n${stringify(config)}`);
  return file;
}
