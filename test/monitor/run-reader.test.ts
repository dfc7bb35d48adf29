/** Reading a run back while it is written: partial lines, status, total steps, speed and ETA. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MetricsLogger, parseMetricsText, readRun, runStatusLine, writeTrainingStats } from '../../src/monitor/index.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** A training.log line as TrainingLog writes it, `seconds` after T0. */
const logLine = (seconds: number, message: string, level = 'INFO'): string => `${new Date(T0 + seconds * 1000).toISOString()} ${level.padEnd(5)} ${message}\n`;

/** A run that logged steps 1..last (2 s a step) into metrics.jsonl through MetricsLogger, and training.log. */
function liveRun(last: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'live-run-'));
  const metrics = new MetricsLogger(dir, { tensorboard: false });
  let log = logLine(0, 'sft: 200 examples, 20 steps (50 per epoch)');
  for (let step = 1; step <= last; step++) {
    metrics.log({ step, epoch: step / 50, loss: 3 - 0.1 * step, lr: 1e-4, gradNorm: 1.5 });
    log += logLine(2 * step, `step ${step}: loss ${(3 - 0.1 * step).toFixed(4)} lr 1.00e-4 grad_norm 1.500`);
  }
  metrics.close();
  writeFileSync(join(dir, 'training.log'), log);
  return dir;
}

test('a live run: the half-written last line is dropped, total from training.log, speed and ETA from its timestamps', () => {
  const dir = liveRun(6);
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step":7,"epoch":0.14,"lo'); // the trainer is mid-write
  const run = readRun(dir, { now: () => T0 + 15_000 });
  assert.equal(run.rows.length, 6);
  assert.deepEqual(run.badLines, []);
  assert.deepEqual([run.status, run.algorithm, run.currentStep, run.totalSteps, run.totalStepsSource], ['running', 'sft', 6, 20, 'training.log']);
  assert.equal(run.secondsPerStep, 2);
  assert.equal(run.etaSeconds, 28); // 14 steps left at 2 s
  assert.equal(run.secondsSinceUpdate, 3);
  assert.equal(runStatusLine(run), 'running: step 6/20 (30%) | 2.00 s/step | eta 28s | last log 3s ago');
});

test('a garbled line in the middle is skipped and reported, not fatal', () => {
  const { rows, badLines } = parseMetricsText('{"step":1,"loss":2}\n{"step":2,"lo{"step":3,"loss":1}\n{"step":4,"loss":0.5}\n[1,2]\n{"step":5}');
  assert.deepEqual(rows.map((r) => r['step']), [1, 4, 5]);
  assert.deepEqual(badLines, [2, 4]);
});

test('after a divergence the run is failed; a resume starts a new attempt whose speed counts from the resumed step', () => {
  const dir = liveRun(4);
  appendFileSync(join(dir, 'training.log'), logLine(9, 'training diverged at step 5: the loss is NaN (lower training.learning_rate or set training.max_grad_norm)', 'ERROR'));
  const failed = readRun(dir, { now: () => T0 + 10_000 });
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /^training diverged at step 5/);
  assert.equal(failed.etaSeconds, undefined);
  assert.match(runStatusLine(failed), /^failed: step 4\/20 \(20%\) \| 2\.00 s\/step \| training diverged/);

  appendFileSync(join(dir, 'training.log'), logLine(100, 'resumed from out/checkpoint-4 at step 4') + logLine(101, 'sft: 200 examples, 20 steps (50 per epoch)') + logLine(104, 'step 5: loss 2.5000 lr 1.00e-4 grad_norm 1.500') + logLine(107, 'step 6: loss 2.4000 lr 1.00e-4 grad_norm 1.500'));
  const resumed = readRun(dir, { now: () => T0 + 108_000 });
  assert.deepEqual([resumed.status, resumed.currentStep, resumed.secondsPerStep, resumed.etaSeconds], ['running', 6, 3, 42]);
});

test('a finished run takes its total from training.log or training_stats.json; without either, from resolved_config.yaml or the option', () => {
  const dir = liveRun(20);
  appendFileSync(join(dir, 'training.log'), logLine(41, 'done: 20 steps, final model in out'));
  writeTrainingStats(dir, { algorithm: 'sft', global_step: 20, train_loss: 1 });
  const done = readRun(dir);
  assert.deepEqual([done.status, done.totalSteps, done.totalStepsSource, done.etaSeconds, done.stats?.['train_loss']], ['finished', 20, 'training.log', undefined, 1]);
  writeFileSync(join(dir, 'training.log'), ''); // a run whose log was deleted: training_stats.json still tells
  assert.deepEqual([readRun(dir).status, readRun(dir).totalSteps, readRun(dir).totalStepsSource], ['finished', 20, 'training_stats.json']);
  assert.equal(runStatusLine(done), 'finished: step 20/20 (100%) | 2.00 s/step');

  const bare = mkdtempSync(join(tmpdir(), 'bare-run-'));
  writeFileSync(join(bare, 'metrics.jsonl'), '{"step":5,"loss":1}\n');
  assert.equal(readRun(bare).totalSteps, undefined);
  assert.match(runStatusLine(readRun(bare)), /^running: step 5 \(total unknown: pass --total-steps\) \| last log \d+s ago$/); // from the file time
  writeFileSync(join(bare, 'resolved_config.yaml'), 'training:\n  algorithm: sft\n  max_steps: 40\n');
  assert.deepEqual([readRun(bare).totalSteps, readRun(bare).totalStepsSource], [40, 'resolved_config.yaml']);
  assert.deepEqual([readRun(bare, { totalSteps: 50 }).totalSteps, readRun(bare, { totalSteps: 50 }).totalStepsSource], [50, 'option']);
  assert.equal(readRun(mkdtempSync(join(tmpdir(), 'empty-run-'))).status, 'waiting');
});

test('a new run into an old output_dir: the stale training_stats.json neither ends it nor sets its total', () => {
  const dir = liveRun(20);
  appendFileSync(join(dir, 'training.log'), logLine(41, 'done: 20 steps, final model in out'));
  writeTrainingStats(dir, { algorithm: 'sft', global_step: 20 });
  const metrics = new MetricsLogger(dir, { tensorboard: false, resumeStep: 0 }); // as the trainer opens it: old lines go
  metrics.log({ step: 5, loss: 2.5 });
  metrics.close();
  appendFileSync(join(dir, 'training.log'), logLine(100, 'sft: 200 examples, 400 steps (50 per epoch)') + logLine(110, 'step 5: loss 2.5000 lr 1.00e-4 grad_norm 1.500'));
  const run = readRun(dir, { now: () => T0 + 111_000 });
  assert.deepEqual([run.status, run.currentStep, run.totalSteps, run.totalStepsSource, run.secondsPerStep, run.etaSeconds], ['running', 5, 400, 'training.log', 2, 2 * 395]);
});
