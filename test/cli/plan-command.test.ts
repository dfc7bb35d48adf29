/** rlhf plan: the table, the verdict against a budget, the advice with its --set line, JSON, usage errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPlan } from '../../src/cli/plan-command.js';
import type { MemoryPlan } from '../../src/memory/index.js';

function plan(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPlan(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('rlhf plan prints every part in aligned columns, the peak and whether it fits here', () => {
  const r = plan(['--config', 'examples/configs/dpo.yaml']);
  assert.equal(r.code, 0, r.err);
  for (const label of ['parameters (float32)', 'gradients', 'optimizer state (AdamW)', 'activations', 'reference model (frozen)', 'peak (estimate)', 'tensor allocations']) {
    assert.match(r.out, new RegExp(`^\\s*${label.replace(/[()]/g, '\\$&')}\\s+\\d`, 'm'), `${label} in\n${r.out}`);
  }
  assert.match(r.out, /^dpo on test\/fixtures\/models\/tiny-qwen2 \(qwen2: 2 layers, hidden 64, vocab 512; 125,504 parameters\), cpu$/m);
  assert.match(r.out, /^fits: [\d.]+ MiB of [\d.]+ GiB \(CPU memory available\)/m);
  // The numbers' column ends at one place on every row.
  const rows = r.out.split('\n').filter((l) => /^(parameters|gradients|optimizer|activations|reference|peak)/.test(l));
  const ends = new Set(rows.map((l) => /^\S.*?\s{2,}([\d.]+ [MG]iB)/.exec(l)).map((m) => (m === null ? -1 : (m.index ?? 0) + m[0].length)));
  assert.equal(ends.size, 1, r.out);
});

test('a budget it does not fit: the batch split that keeps the effective batch, as a --set line', () => {
  const whole = JSON.parse(plan(['--config', 'examples/configs/sft.yaml', '--json', '--set', 'training.gradient_accumulation_steps=1']).out) as { plan: MemoryPlan };
  const half = JSON.parse(plan(['--config', 'examples/configs/sft.yaml', '--json', '--set', 'training.per_device_train_batch_size=1', '--set', 'training.gradient_accumulation_steps=2']).out) as { plan: MemoryPlan };
  const budget = Math.floor((whole.plan.peakBytes + half.plan.peakBytes) / 2 / 1024);
  const r = plan(['--config', 'examples/configs/sft.yaml', '--set', 'training.gradient_accumulation_steps=1', '--memory', `${budget}KiB`]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^does not fit: [\d.]+ MiB needed, [\d.]+ MiB \(--memory \d+KiB\)$/m);
  assert.match(r.out, /^to fit \([\d.]+ MiB, the same training\):$/m);
  assert.match(r.out, /^ {2}training\.per_device_train_batch_size: 2 -> 1$/m);
  assert.match(r.out, /^ {2}training\.gradient_accumulation_steps: 1 -> 2 \(the effective batch stays 2\)$/m);
  assert.match(r.out, /^rlhf train --config examples\/configs\/sft\.yaml --set training\.per_device_train_batch_size=1 --set training\.gradient_accumulation_steps=2$/m);
  const tiny = plan(['--config', 'examples/configs/sft.yaml', '--memory', '1KiB']);
  assert.match(tiny.out, /nothing the planner can change fits/);
});

test('rlhf plan --json: the plan, the budget, the advice; training.max_memory is a budget on the allocator count', () => {
  const r = plan(['--config', 'examples/configs/grpo.yaml', '--json', '--world-size', '2', '--set', 'distributed.strategy=zero1']);
  const json = JSON.parse(r.out) as { plan: MemoryPlan; worldSize: number; fits: boolean; budget: { measure: string } };
  assert.equal(json.worldSize, 2);
  assert.equal(json.fits, true);
  assert.deepEqual(json.plan.items.map((i) => i.part), ['parameters', 'gradients', 'optimizer', 'buckets', 'activations', 'reference', 'reward', 'kv-cache']);
  assert.equal(json.plan.items.find((i) => i.part === 'optimizer')?.bytes, 125_504 * 4); // 8 B / 2 ranks
  const capped = JSON.parse(plan(['--config', 'examples/configs/sft.yaml', '--json', '--set', 'training.max_memory=1MiB']).out) as { fits: boolean; budget: { measure: string; what: string } };
  assert.deepEqual([capped.fits, capped.budget.measure, capped.budget.what], [false, 'allocatorPeakBytes', 'training.max_memory 1MiB']);
});

test('rlhf plan usage errors exit 2', () => {
  assert.equal(plan([]).code, 2);
  assert.match(plan([]).err, /--config is required/);
  assert.equal(plan(['--config', 'examples/configs/sft.yaml', '--world-size', 'two']).code, 2);
  assert.equal(plan(['--config', 'examples/configs/sft.yaml', '--bogus']).code, 2);
});
