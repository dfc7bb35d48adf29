import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { loadCausalLm } from '../../../src/models/index.js';
import { TrainingDivergedError } from '../../../src/trainers/loop/index.js';
import { runSft } from '../../../src/trainers/sft/index.js';
import { countingSftConfig, loggedLosses, TINY_QWEN2 } from '../../helpers/sft-run.js';

const MODEL = TINY_QWEN2;
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const config = countingSftConfig;
const losses = loggedLosses;
const weights = (dir: string) => new Map(loadCausalLm(dir).namedParameters().map(([k, p]) => [k, p.toArray() as unknown]));
function maxDiff(a: Map<string, unknown>, b: Map<string, unknown>): number {
  let m = 0;
  for (const [k, v] of a) {
    const x = (v as number[]).flat(4) as number[];
    const y = (b.get(k) as number[]).flat(4) as number[];
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return m;
}

test('sft: loss decreases, every parameter changes, and the output dir is complete', async () => {
  const c = config({ max_steps: 8, per_device_train_batch_size: 4 });
  const r = await runSft(c, { progress: sink });
  const l = losses(c.training.output_dir);
  assert.equal(l.length, 8);
  assert.ok(l[7]! < l[0]!, `loss ${l[0]} -> ${l[7]}`);
  const out = c.training.output_dir;
  for (const f of ['metrics.jsonl', 'training.log', 'training_stats.json', 'resolved_config.yaml', 'config.json', 'checkpoint-8']) assert.ok(existsSync(join(out, f)), f);
  assert.equal(existsSync(join(out, 'runs')), false, 'logging.tensorboard defaults to false (as report_to "none"): no event files');
  assert.equal(existsSync(join(out, '.rlhf.lock')), false, 'the output dir lock is released at the end');
  assert.ok(r.evalLoss !== null && Number.isFinite(r.evalLoss));
  assert.ok(readMetrics(join(out, 'metrics.jsonl')).some((row) => typeof row['eval/perplexity'] === 'number'));
  const before = weights(MODEL);
  const after = weights(out);
  for (const [k, v] of before) assert.ok(maxDiff(new Map([[k, v]]), new Map([[k, after.get(k)]])) > 0, `${k} did not change`);
  assert.ok(JSON.parse(readFileSync(join(out, 'training_stats.json'), 'utf8')).global_step === 8);
});

test('sft: batch 1 x accumulation 4 equals 4 x 1, and the same seed repeats', async () => {
  const a = config({ max_steps: 3, per_device_train_batch_size: 4, gradient_accumulation_steps: 1 });
  const b = config({ max_steps: 3, per_device_train_batch_size: 1, gradient_accumulation_steps: 4 });
  const c = config({ max_steps: 3, per_device_train_batch_size: 4, gradient_accumulation_steps: 1 });
  await runSft(a, { progress: sink });
  await runSft(b, { progress: sink });
  await runSft(c, { progress: sink });
  const [la, lb, lc] = [losses(a.training.output_dir), losses(b.training.output_dir), losses(c.training.output_dir)];
  la.forEach((x, i) => assert.ok(Math.abs(x - lb[i]!) < 1e-5, `step ${i + 1}: ${x} vs ${lb[i]}`));
  assert.ok(maxDiff(weights(a.training.output_dir), weights(b.training.output_dir)) < 1e-5);
  assert.deepEqual(la, lc);
});

test('sft: kill and resume continues exactly', async () => {
  const full = config({ max_steps: 6, per_device_train_batch_size: 2, save_steps: 3 });
  await runSft(full, { progress: sink });
  // A run killed right after its step-3 checkpoint: only checkpoint-3 is on disk.
  const killed = config({ max_steps: 6, per_device_train_batch_size: 2, save_steps: 3 });
  const { cpSync } = await import('node:fs');
  cpSync(join(full.training.output_dir, 'checkpoint-3'), join(killed.training.output_dir, 'checkpoint-3'), { recursive: true });
  await runSft(killed, { progress: sink, resume: 'latest' });
  const lf = losses(full.training.output_dir);
  const lk = losses(killed.training.output_dir);
  assert.deepEqual(lk, lf.slice(3));
  assert.equal(maxDiff(weights(full.training.output_dir), weights(killed.training.output_dir)), 0);
});

test('sft: a diverging run stops naming the step', async () => {
  const c = config({ max_steps: 5, per_device_train_batch_size: 4, learning_rate: 1e30, warmup_steps: 0, max_grad_norm: 0 });
  await assert.rejects(runSft(c, { progress: sink }), (err: unknown) => err instanceof TrainingDivergedError && /at step [2-5]/.test(err.message));
});

test('sft: completion_only_loss false trains on prompt tokens too; packing and LoRA runs write what they should', async () => {
  const base = config({ max_steps: 1, per_device_train_batch_size: 16 });
  const all = RunConfig.parse({ ...base, sft: { ...base.sft, completion_only_loss: false }, training: { ...base.training, output_dir: mkdtempSync(join(tmpdir(), 'sft-all-')) } });
  const a = await runSft(base, { progress: sink });
  const b = await runSft(all, { progress: sink });
  // Different targets, different first loss (the prompt tokens are harder to predict here).
  assert.notEqual(a.losses.get(1)?.toFixed(6), b.losses.get(1)?.toFixed(6));
  const tokens = (dir: string) => JSON.parse(readFileSync(join(dir, 'training_stats.json'), 'utf8')).train_tokens_per_second as number;
  assert.ok(tokens(base.training.output_dir) > 0 && tokens(all.training.output_dir) > 0);
  const packed = RunConfig.parse({ ...base, sft: { ...base.sft, packing: true }, training: { ...base.training, max_steps: 2, per_device_train_batch_size: 1, output_dir: mkdtempSync(join(tmpdir(), 'sft-pack-')) } });
  const p = await runSft(packed, { progress: sink });
  assert.ok([...p.losses.values()].every(Number.isFinite));
  const lora = RunConfig.parse({ ...base, lora: { enabled: true, r: 4, alpha: 8, target_modules: ['q_proj', 'v_proj'] }, training: { ...base.training, output_dir: mkdtempSync(join(tmpdir(), 'sft-lora-')) } });
  await runSft(lora, { progress: sink });
  const adapter = JSON.parse(readFileSync(join(lora.training.output_dir, 'adapter_config.json'), 'utf8'));
  assert.equal(adapter.r, 4);
  assert.deepEqual([...adapter.target_modules].sort(), ['q_proj', 'v_proj']);
  assert.ok(!existsSync(join(lora.training.output_dir, 'model.safetensors')));
});
