import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeEvent, decodeTfRecords, MetricsLogger, readMetrics, TrainingLog, writeTrainingStats } from '../../src/monitor/index.js';

test('MetricsLogger writes one JSON line per step, readable before close', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  const m = new MetricsLogger(dir);
  m.log({ step: 1, epoch: 0.1, loss: 2.5, lr: 1e-4, gradNorm: 0.7, metrics: { 'rewards/margin': 0.3 } });
  // flushed immediately: a kill here keeps the line
  assert.deepEqual(readMetrics(m.path), [{ step: 1, epoch: 0.1, loss: 2.5, lr: 1e-4, grad_norm: 0.7, 'rewards/margin': 0.3 }]);
  m.log({ step: 2, loss: Number.NaN });
  m.close();
  assert.deepEqual(readMetrics(m.path)[1], { step: 2, loss: null });
  const runs = join(dir, 'runs');
  const events = decodeTfRecords(readFileSync(join(runs, readdirSync(runs)[0]!))).map(decodeEvent);
  assert.equal(events[1]!.scalars!['train/grad_norm'], Math.fround(0.7));
  assert.equal(events[1]!.scalars!['rewards/margin'], Math.fround(0.3));
});

test('MetricsLogger appends, and on resume drops lines past the resumed step (and a cut-off line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  const m = new MetricsLogger(dir, { tensorboard: false });
  for (let step = 1; step <= 5; step++) m.log({ step, loss: step });
  m.close();
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step": 6, "lo'); // killed mid-write
  assert.equal(existsSync(join(dir, 'runs')), false);
  const resumed = new MetricsLogger(dir, { tensorboard: false, resumeStep: 3 });
  resumed.log({ step: 4, loss: 40 });
  resumed.close();
  assert.deepEqual(readMetrics(resumed.path).map((r) => [r['step'], r['loss']]), [[1, 1], [2, 2], [3, 3], [4, 40]]);
  const plain = new MetricsLogger(dir, { tensorboard: false });
  plain.log({ step: 5 });
  plain.close();
  assert.equal(readMetrics(plain.path).length, 5);
});

test('TrainingLog writes INFO, and DEBUG only when verbose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-'));
  const quiet = new TrainingLog(join(dir, 'a'));
  quiet.info('hello');
  quiet.debug('hidden');
  const text = readFileSync(quiet.path, 'utf8');
  assert.match(text, /^\d{4}-\d\d-\d\dT.* INFO  hello\n$/);
  const loud = new TrainingLog(join(dir, 'b'), { verbose: true });
  loud.debug('shown');
  assert.match(readFileSync(loud.path, 'utf8'), /DEBUG shown/);
});

test('TrainingLog level: each level keeps the lines at or above it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-'));
  const kept = (level: 'debug' | 'info' | 'warning' | 'error') => {
    const log = new TrainingLog(join(dir, level), { level });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    return [...readFileSync(log.path, 'utf8').matchAll(/ (DEBUG|INFO|WARN|ERROR) +(\w)$/gm)].map((m) => m[2]).join('');
  };
  assert.deepEqual(['debug', 'info', 'warning', 'error'].map((l) => kept(l as 'debug')), ['diwe', 'iwe', 'we', 'e']);
});

test('writeTrainingStats writes training_stats.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stats-'));
  const path = writeTrainingStats(dir, { train_runtime: 12.5, train_loss: 0.4 });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { train_runtime: 12.5, train_loss: 0.4 });
  assert.deepEqual(readdirSync(dir), ['training_stats.json']);
});
