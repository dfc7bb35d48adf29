/**
 * The planner against real runs: short SFT, DPO and GRPO trainings of the tiny Qwen2 fixture
 * (with and without gradient checkpointing, bf16 autocast, LoRA) and SFT of the tiny GPT-2, each planned first and then
 * measured with the addon's allocator (cpuMemory). The plan's allocator peak (weights mapped
 * from model.safetensors are pages, not allocations) must be within 25% of what the run reached.
 *
 * Every example is longer than data.max_length, so the batches are as long as the planner assumes.
 * A forced garbage collection before each run frees the tensors of the runs before it, which would
 * otherwise count in the next run's allocations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig, resolveModelPaths } from '../../src/config/index.js';
import { trainWithConfig } from '../../src/cli/train-command.js';
import { gib, planMemory, readPlanModels } from '../../src/memory/index.js';
import { cpuMemory, resetCpuMemoryPeak } from '../../src/tensor/index.js';
import { collectGarbage } from '../helpers/gc.js';


const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa'.split(' ');
const words = (start: number, n: number) => Array.from({ length: n }, (_, k) => WORDS[(start + 3 * k) % 10]).join(' ');
const DATA = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'plan-data-'));
  const rows = (f: (i: number) => object) => Array.from({ length: 16 }, (_, i) => JSON.stringify(f(i))).join('\n');
  writeFileSync(join(dir, 'sft.jsonl'), rows((i) => ({ prompt: `Say ${words(i, 40)}.`, response: words(i + 1, 400) })));
  writeFileSync(join(dir, 'pref.jsonl'), rows((i) => ({ prompt: `Say ${words(i, 40)}.`, chosen: words(i + 1, 400), rejected: words(i + 2, 400) })));
  writeFileSync(join(dir, 'prompts.jsonl'), rows((i) => ({ prompt: `Say ${words(i, 200)}.`, reference: 'alpha' })));
  return dir;
})();
const FILES = { sft: 'sft.jsonl', dpo: 'pref.jsonl', grpo: 'prompts.jsonl' } as const;
const KINDS = { sft: 'sft', dpo: 'preference', grpo: 'prompt' } as const;

function runConfig(algorithm: keyof typeof FILES, training: Record<string, unknown>, extra: Record<string, unknown> = {}, maxLength = 256): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
    training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), 'plan-run-')), learning_rate: 1e-4, max_steps: 2, save_steps: 100, logging_steps: 1, seed: 1, ...training },
    data: { max_length: maxLength, max_prompt_length: algorithm === 'grpo' ? 128 : 32, datasets: { [KINDS[algorithm]]: { train_files: [{ path: join(DATA, FILES[algorithm]) }] } } },
    ...extra,
  });
}

/**
 * Trains `config` and returns the most CPU tensor memory a step reached: the offline loop resets
 * the allocator's peak at each step and logs step 1's; the peak after the run is the last step's
 * (AdamW's moments exist from step 2 on). The online loop resets nothing: its peak spans the run.
 */
async function measuredPeak(config: RunConfig): Promise<number> {
  await collectGarbage();
  assert.ok(cpuMemory().allocated < 2 ** 20, `${gib(cpuMemory().allocated)} of tensors alive before the run`);
  resetCpuMemoryPeak();
  await trainWithConfig(config);
  const after = cpuMemory().peak;
  const m = /step 1: peak CPU tensor memory ([\d.]+) (MiB|GiB)/.exec(readFileSync(join(config.training.output_dir, 'training.log'), 'utf8'));
  const step1 = m === null ? 0 : Number(m[1]) * (m[2] === 'GiB' ? 2 ** 30 : 2 ** 20);
  return Math.max(step1, after);
}

const CASES: Array<[string, RunConfig]> = [
  ['sft 8 x 256', runConfig('sft', { per_device_train_batch_size: 8 })],
  ['sft 8 x 256, gradient checkpointing', runConfig('sft', { per_device_train_batch_size: 8, gradient_checkpointing: true })],
  ['sft 4 x 256 x 2 accumulated, bf16', runConfig('sft', { per_device_train_batch_size: 4, gradient_accumulation_steps: 2, bf16: true })],
  ['sft 8 x 256, LoRA r 8', runConfig('sft', { per_device_train_batch_size: 8 }, { lora: { enabled: true } })],
  ['sft gpt2 8 x 128 (dropout 0.1)', runConfig('sft', { per_device_train_batch_size: 8 }, { model: { name_or_path: 'test/fixtures/models/tiny-gpt2', tokenizer_name_or_path: 'test/fixtures/models/tiny-qwen2' } }, 128)],
  ['dpo 4 pairs x 256', runConfig('dpo', { per_device_train_batch_size: 4 })],
  ['dpo 4 pairs x 256, gradient checkpointing', runConfig('dpo', { per_device_train_batch_size: 4, gradient_checkpointing: true })],
  ['grpo 8 x (128 + 64) x 2 accumulated', runConfig('grpo', { per_device_train_batch_size: 8, gradient_accumulation_steps: 2 }, {
    grpo: { group_size: 4, beta: 0.04 }, rewards: { functions: [{ name: 'exact_match' }] }, generation: { max_new_tokens: 64 },
  })],
];

test('the plan is within 25% of the peak CPU tensor memory real runs reach', async (t) => {
  const report: string[] = [];
  for (const [name, config] of CASES) {
    const plan = planMemory(config, readPlanModels(resolveModelPaths(config)), { device: 'cpu' });
    const measured = await measuredPeak(config);
    const ratio = plan.allocatorPeakBytes / measured;
    report.push(`${name}: planned ${gib(plan.allocatorPeakBytes)} (at the ${plan.peakMoment}), measured ${gib(measured)}, ratio ${ratio.toFixed(3)}`);
    assert.ok(Math.abs(ratio - 1) <= 0.25, `${name}: planned ${gib(plan.allocatorPeakBytes)}, measured ${gib(measured)} (ratio ${ratio.toFixed(3)})`);
  }
  for (const line of report) t.diagnostic(line);
});
