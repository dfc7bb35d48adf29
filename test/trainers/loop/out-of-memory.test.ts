/**
 * training.max_memory and running out of memory: a step whose CPU tensor memory passes the cap
 * stops with the step, the batch's shape, the peak and advice with this run's numbers, writes
 * memory_optimized_config.yaml (batch split with more accumulation, gradient checkpointing),
 * and that config then runs under the same cap.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, RunConfig } from '../../../src/config/index.js';
import { trainWithConfig } from '../../../src/cli/train-command.js';
import { OutOfMemoryError, parseMemorySize } from '../../../src/trainers/loop/out-of-memory.js';

test('parseMemorySize reads binary and decimal units and refuses the rest', () => {
  assert.equal(parseMemorySize('8GiB'), 8 * 2 ** 30);
  assert.equal(parseMemorySize('512MiB'), 512 * 2 ** 20);
  assert.equal(parseMemorySize('2.5GB'), 2.5e9);
  assert.throws(() => parseMemorySize('8 gigs'), /expected a number and a unit, such as 8GiB/);
});

const DATA = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'oom-data-'));
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa'.split(' ');
  writeFileSync(join(dir, 'sft.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Say ${i}.`, response: Array.from({ length: 60 + 5 * i }, (_, k) => words[(i + k) % 10]).join(' ') })).join('\n'));
  return join(dir, 'sft.jsonl');
})();

function config(training: Record<string, unknown>): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
    training: { algorithm: 'sft', output_dir: mkdtempSync(join(tmpdir(), 'oom-out-')), learning_rate: 1e-3, max_steps: 2, per_device_train_batch_size: 8, save_steps: 1, seed: 1, ...training },
    data: { max_length: 256, max_prompt_length: 16, datasets: { sft: { train_files: [{ path: DATA }] } } },
  });
}

/** The step-1 peak the run logged, in bytes. */
async function peakOf(c: RunConfig): Promise<number> {
  await trainWithConfig(c);
  const m = /step 1: peak CPU tensor memory ([\d.]+) (MiB|GiB)/.exec(readFileSync(join(c.training.output_dir, 'training.log'), 'utf8'));
  assert.ok(m !== null, 'no peak line in training.log');
  return Number(m[1]) * (m[2] === 'GiB' ? 2 ** 30 : 2 ** 20);
}

test('a step past training.max_memory stops with the shape, the peak and advice, and the written config runs under the same cap', async () => {
  const whole = await peakOf(config({}));
  const split = await peakOf(config({ per_device_train_batch_size: 4, gradient_accumulation_steps: 2, gradient_checkpointing: true }));
  assert.ok(split < whole - 4 * 2 ** 20, `split + checkpointing peaks at ${split} bytes, the whole batch at ${whole}`);
  const cap = `${Math.round((whole + split) / 2 / 2 ** 20)}MiB`;
  const c = config({ max_memory: cap });
  const err = await trainWithConfig(c).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OutOfMemoryError, String(err));
  assert.match(err.message, new RegExp(`^step 1: a micro-batch of 8 example\\(s\\), the longest \\d+ tokens needed [\\d.]+ MiB of CPU tensor memory, above training\\.max_memory \\(${cap.replace('MiB', '')}\\.0 MiB\\)\\. The last checkpoint is intact\\. To fit:`));
  assert.match(err.message, /per_device_train_batch_size 8 -> 4 with gradient_accumulation_steps 1 -> 2 \(the effective batch stays 8\)/);
  assert.match(err.message, /training\.gradient_checkpointing: true/);
  assert.match(err.message, /a shorter data\.max_length \(now 256; the longest examples of this dataset have \d+, \d+, \d+ tokens\)/);
  assert.deepEqual(readdirSync(c.training.output_dir).filter((f) => f.startsWith('checkpoint-')), []);
  const file = join(c.training.output_dir, 'memory_optimized_config.yaml');
  assert.ok(existsSync(file) && err.message.endsWith(`rlhf train --config ${file}`));
  const optimized = loadConfig(file);
  assert.equal(optimized.training.per_device_train_batch_size, 4);
  assert.equal(optimized.training.gradient_accumulation_steps, 2);
  assert.equal(optimized.training.gradient_checkpointing, true);
  assert.equal(optimized.training.max_memory, cap);
  const result = await trainWithConfig({ ...optimized, training: { ...optimized.training, output_dir: mkdtempSync(join(tmpdir(), 'oom-fit-')) } });
  assert.equal(result.globalStep, 2);
});
