import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { readTrainerState } from '../../../src/checkpoint/index.js';
import { BestMetricTracker } from '../../../src/trainers/loop/index.js';
import { runSft } from '../../../src/trainers/sft/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-data-'));
  const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `Say ${i % 3}.`, response: `${['zero', 'one', 'two'][i % 3]}.` }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.join('\n')}\n`);
  // Validation answers the training data never shows: its loss rises once the model memorises.
  writeFileSync(join(dir, 'val.jsonl'), `${JSON.stringify({ prompt: 'Say 0.', response: 'nothing at all, really.' })}\n`);
  return dir;
}
const DATA = dataDir();

function config(training: Record<string, unknown>): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'sft', output_dir: mkdtempSync(join(tmpdir(), 'loop-out-')), learning_rate: 5e-3, logging_steps: 1, save_steps: 1000, eval_steps: 1, seed: 3, per_device_train_batch_size: 4, ...training },
    data: { max_length: 48, max_prompt_length: 24, datasets: { sft: { train_files: [{ path: join(DATA, 'train.jsonl') }], validation_files: [{ path: join(DATA, 'val.jsonl') }] } } },
  });
}

test('BestMetricTracker: direction from the name, threshold, patience', () => {
  const loss = new BestMetricTracker({ metric_for_best_model: 'loss', greater_is_better: null, early_stopping_patience: 2, early_stopping_threshold: 0.1 });
  assert.equal(loss.metric, 'eval/loss');
  assert.equal(loss.greaterIsBetter, false);
  assert.equal(loss.update({ 'eval/loss': 2 }), true);
  assert.equal(loss.update({ 'eval/loss': 1.95 }), false); // better, but not by more than 0.1
  assert.equal(loss.shouldStop, false);
  assert.equal(loss.update({ 'eval/loss': 1.5 }), true);
  assert.equal(loss.sinceImprovement, 0);
  loss.update({ 'eval/loss': 1.6 });
  loss.update({ 'eval/loss': 1.45 });
  assert.equal(loss.shouldStop, true);
  assert.equal(loss.best, 1.5);
  const acc = new BestMetricTracker({ metric_for_best_model: 'eval/accuracy', greater_is_better: null, early_stopping_patience: 0, early_stopping_threshold: 0 });
  assert.equal(acc.greaterIsBetter, true);
  acc.update({ 'eval/accuracy': 0.5 });
  assert.equal(acc.update({ 'eval/accuracy': 0.75 }), true);
  assert.equal(acc.shouldStop, false);
  assert.throws(() => acc.update({ 'eval/loss': 1 }), /metric_for_best_model: eval\/accuracy is not among the eval metrics \(eval\/loss\)/);
});

test('loop: early stopping ends the run, the best checkpoint is kept and named, epoch ends evaluate and save', async () => {
  const c = config({ num_epochs: 30, early_stopping_patience: 2, save_total_limit: 1 });
  const r = await runSft(c, { progress: sink });
  const out = c.training.output_dir;
  const evals = readMetrics(join(out, 'metrics.jsonl')).filter((row) => typeof row['eval/loss'] === 'number');
  const evalLosses = evals.map((row) => row['eval/loss'] as number);
  assert.equal(r.stoppedEarly, true);
  assert.ok(r.globalStep < 90, `stopped at ${r.globalStep}`);
  // It stopped exactly two evaluations after the best one.
  const bestIndex = evalLosses.indexOf(Math.min(...evalLosses));
  assert.equal(evalLosses.length, bestIndex + 3);
  assert.equal(r.bestMetric, evalLosses[bestIndex]);
  const bestStep = evals[bestIndex]?.step as number;
  assert.equal(r.bestCheckpoint, `checkpoint-${bestStep}`);
  // save_total_limit 1: the newest checkpoint plus the best one survive.
  const kept = readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort();
  assert.deepEqual(kept, [...new Set([`checkpoint-${bestStep}`, `checkpoint-${r.globalStep}`])].sort());
  const state = readTrainerState(join(out, `checkpoint-${r.globalStep}`));
  assert.equal(state.bestCheckpoint, `checkpoint-${bestStep}`);
  assert.equal(state.bestMetric, r.bestMetric);
  assert.equal(state.evalsSinceImprovement, 2);
  const stats = JSON.parse(readFileSync(join(out, 'training_stats.json'), 'utf8'));
  assert.equal(stats.stopped_early, true);
  assert.equal(stats.total_steps, r.globalStep);
  assert.equal(stats.best_metric, r.bestMetric);
  assert.equal(stats.epoch_losses.length, Math.ceil(r.globalStep / 3));
  assert.ok(stats.train_tokens_per_second > 0);
});

test('loop: with eval_steps beyond the run, every epoch end still evaluates and checkpoints', async () => {
  const c = config({ num_epochs: 2, eval_steps: 1000 });
  await runSft(c, { progress: sink });
  const out = c.training.output_dir;
  const evalSteps = readMetrics(join(out, 'metrics.jsonl')).filter((row) => typeof row['eval/loss'] === 'number').map((row) => row.step);
  assert.deepEqual(evalSteps, [3, 6]);
  assert.ok(existsSync(join(out, 'checkpoint-3')) && existsSync(join(out, 'checkpoint-6')));
});

test('loop: a worker of a multi-process launch with distributed.enabled false is refused instead of training its own copy', async () => {
  const c = { ...config({ max_steps: 2 }), distributed: { ...config({}).distributed, enabled: false } };
  process.env['RANK'] = '1';
  process.env['WORLD_SIZE'] = '2';
  try {
    await assert.rejects(runSft(c, { progress: sink }), /^DistributedError: rank 1: started as one of 2 processes \(torchrun\), but distributed\.enabled is false; set distributed\.enabled: true/);
  } finally {
    delete process.env['RANK'];
    delete process.env['WORLD_SIZE'];
  }
  const files = existsSync(c.training.output_dir) ? readdirSync(c.training.output_dir) : [];
  for (const f of ['metrics.jsonl', 'model.safetensors', 'checkpoint-2', 'training_stats.json']) assert.ok(!files.includes(f), `${f} written by a refused worker`);
});

test('loop: bf16 autocast trains with finite losses close to float32', async () => {
  const f32 = config({ max_steps: 2 });
  const bf16 = config({ max_steps: 2, bf16: true });
  const a = await runSft(f32, { progress: sink });
  const b = await runSft(bf16, { progress: sink });
  const first = (m: Map<number, number>) => m.get(1) as number;
  assert.ok(Number.isFinite(first(b.losses)));
  assert.notEqual(first(b.losses), first(a.losses)); // really ran in bfloat16
  assert.ok(Math.abs(first(b.losses) - first(a.losses)) / first(a.losses) < 0.02, `${first(a.losses)} vs ${first(b.losses)}`);
});
