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
import { memoryAdvice } from '../../../src/trainers/loop/memory-advice.js';
import { OutOfMemoryError, parseMemorySize, ROLLOUT } from '../../../src/trainers/loop/out-of-memory.js';
import { collectGarbage } from '../../helpers/gc.js';

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
  await collectGarbage(); // a model an earlier run left to the GC net would count in the peak
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
  await collectGarbage(); // the measured runs started without garbage; so does the capped one
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

test('grpo past training.max_memory stops with the update\'s shape and advice, and the written config trains under the same cap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oom-grpo-'));
  writeFileSync(join(dir, 'prompts.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Topic ${i}: say something about it.` })).join('\n'));
  writeFileSync(join(dir, 'len.mjs'), 'export default ({ completionIds }) => completionIds.length / 16;\n');
  const grpo = (training: Record<string, unknown>): RunConfig => RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
    training: { algorithm: 'grpo', output_dir: mkdtempSync(join(tmpdir(), 'oom-grpo-out-')), max_steps: 1, per_device_train_batch_size: 16, save_steps: 1, seed: 3, ...training },
    data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: join(dir, 'prompts.jsonl') }] } } },
    generation: { max_new_tokens: 64 },
    rewards: { functions: [{ module: join(dir, 'len.mjs'), weight: 1 }] },
    grpo: { group_size: 4, beta: 0.04 },
  });
  const peak = async (c: RunConfig) => {
    await collectGarbage(); // a model an earlier run left to the GC net would count in the peak
    await trainWithConfig(c);
    const m = /step 1: peak CPU tensor memory ([\d.]+) MiB \(rollout and update\)/.exec(readFileSync(join(c.training.output_dir, 'training.log'), 'utf8'));
    assert.ok(m !== null, 'no peak line in training.log');
    return Number(m[1]) * 2 ** 20;
  };
  const whole = await peak(grpo({}));
  const split = await peak(grpo({ per_device_train_batch_size: 8, gradient_accumulation_steps: 2, gradient_checkpointing: true }));
  assert.ok(split < whole - 2 ** 20, `split + checkpointing peaks at ${split} bytes, the whole batch at ${whole}`);
  const cap = `${Math.round((whole + split) / 2 / 2 ** 20 * 10) / 10}MiB`;
  const c = grpo({ max_memory: cap });
  await collectGarbage(); // the measured runs started without garbage; so does the capped one
  const err = await trainWithConfig(c).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OutOfMemoryError, String(err));
  assert.match(err.message, /^step 1: an update micro-batch of 16 completion\(s\) needed [\d.]+ MiB of CPU tensor memory, above training\.max_memory/);
  assert.match(err.message, /per_device_train_batch_size 16 -> 8 with gradient_accumulation_steps 1 -> 2 \(the effective batch stays 16\)/);
  assert.match(err.message, /a shorter generation\.max_new_tokens \(now 64\) or data\.max_prompt_length \(now 32; the longest prompts of this dataset have \d+, \d+, \d+ tokens\)/);
  assert.doesNotMatch(err.message, /max_batch_size/); // the rollout fitted: decoding fewer rows would not help
  const optimized = loadConfig(join(c.training.output_dir, 'memory_optimized_config.yaml'));
  const fit = await trainWithConfig({ ...optimized, training: { ...optimized.training, output_dir: mkdtempSync(join(tmpdir(), 'oom-grpo-fit-')) } });
  assert.equal(fit.globalStep, 1);
});

test('a rollout that runs out of memory is advised to decode fewer rows at a time, and the written config does', () => {
  const c = RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
    training: { algorithm: 'grpo', output_dir: '/tmp/x', per_device_train_batch_size: 8, gradient_accumulation_steps: 2 },
    data: { datasets: { prompt: { train_files: [{ path: 'p.jsonl' }] } } },
    rewards: { functions: [{ module: 'r.mjs', weight: 1 }] },
    grpo: { group_size: 4 },
  });
  const details = { step: 3, examples: 4, longestTokens: 20, peakBytes: 2 ** 30, limitBytes: null, cause: 'CUDA out of memory', longestInData: [20, 18], work: ROLLOUT };
  const advice = memoryAdvice(c, details);
  assert.ok(advice.lines.includes('generation.max_batch_size null -> 8 (decode 8 rows at a time instead of 16: half the KV cache, the same sampling)'), advice.lines.join('\n'));
  assert.equal(advice.optimized.generation.max_batch_size, 8);
  assert.equal(advice.applied, 'batch split with more accumulation, gradient checkpointing on, 8 rows decoded at a time');
  assert.match(new OutOfMemoryError(details).message, /^step 3: a rollout of 4 prompt\(s\), the longest 20 tokens ran out of memory \(CUDA out of memory;/);
});
