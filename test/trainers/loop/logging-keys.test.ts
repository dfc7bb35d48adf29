/** logging.level filters training.log and the console; logging.log_dir receives the logs; logging.tensorboard false writes no event files. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { RunConfig } from '../../../src/config/index.js';
import { readMetrics, readRun } from '../../../src/monitor/index.js';
import { runMonitor } from '../../../src/cli/monitor-command.js';
import { runSft } from '../../../src/trainers/sft/index.js';
import { countingSftConfig } from '../../helpers/sft-run.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

function withLogging(c: RunConfig, logging: Partial<RunConfig['logging']>): RunConfig {
  return { ...c, logging: { ...c.logging, ...logging } };
}

/** Runs `fn` and returns what it wrote to stderr (the console echo of training.log). */
async function stderrOf(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

const levelsIn = (text: string) => new Set([...text.matchAll(/^\S+ (DEBUG|INFO|WARN|ERROR) /gm)].map((m) => m[1]));

test('logging.level: info writes INFO lines to training.log and the console; warning drops them from both', async () => {
  const info = countingSftConfig({ max_steps: 2 });
  const infoConsole = await stderrOf(() => runSft(info, { progress: sink, echo: true }));
  const infoFile = readFileSync(join(info.training.output_dir, 'training.log'), 'utf8');
  assert.deepEqual(levelsIn(infoFile), new Set(['INFO']));
  assert.match(infoFile, /INFO  step 2: loss /);
  assert.match(infoConsole, /INFO  step 2: loss /);

  const quiet = withLogging(countingSftConfig({ max_steps: 2 }), { level: 'warning' });
  const quietConsole = await stderrOf(() => runSft(quiet, { progress: sink, echo: true }));
  const logPath = join(quiet.training.output_dir, 'training.log');
  assert.equal(existsSync(logPath) ? readFileSync(logPath, 'utf8') : '', '');
  assert.equal(levelsIn(quietConsole).size, 0, quietConsole);
  assert.equal(readMetrics(join(quiet.training.output_dir, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined).length, 2, 'metrics.jsonl is not a log: every row is kept');

  const failing = withLogging(countingSftConfig({ max_steps: 5, per_device_train_batch_size: 4, learning_rate: 1e30, warmup_steps: 0, max_grad_norm: 0 }), { level: 'error' });
  await assert.rejects(runSft(failing, { progress: sink }), /training diverged/);
  const failed = readFileSync(join(failing.training.output_dir, 'training.log'), 'utf8');
  assert.deepEqual(levelsIn(failed), new Set(['ERROR']));
});

test('logging.log_dir receives metrics.jsonl, training.log and runs/; rlhf monitor finds them from the output dir', async () => {
  const logDir = join(mkdtempSync(join(tmpdir(), 'sft-logs-')), 'logs');
  const c = withLogging(countingSftConfig({ max_steps: 3 }), { log_dir: logDir, tensorboard: true });
  await runSft(c, { progress: sink });
  const out = c.training.output_dir;
  for (const f of ['metrics.jsonl', 'training.log']) {
    assert.ok(existsSync(join(logDir, f)), `${f} in log_dir`);
    assert.equal(existsSync(join(out, f)), false, `${f} not in output_dir`);
  }
  assert.equal(readdirSync(join(logDir, 'runs')).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
  assert.equal(existsSync(join(out, 'runs')), false);
  assert.ok(existsSync(join(out, 'training_stats.json')) && existsSync(join(out, 'checkpoint-3')), 'the model, stats and checkpoints stay in output_dir');
  const run = readRun(out);
  assert.equal(run.logDir, logDir);
  assert.deepEqual([run.status, run.algorithm, run.currentStep, run.totalSteps], ['finished', 'sft', 3, 3]);
  assert.equal(run.rows.filter((r) => r['loss'] !== undefined).length, 3);
  const printed: string[] = [];
  assert.equal(await runMonitor([out, '--json', '--out', join(logDir, 'monitor')], (line) => printed.push(line)), 0);
  assert.deepEqual(JSON.parse(printed.join('\n')).currentStep, 3);
});

test('logging.tensorboard: false (the default) writes no event files; true writes them under runs/', async () => {
  const off = countingSftConfig({ max_steps: 1 });
  assert.equal(off.logging.tensorboard, false);
  await runSft(off, { progress: sink });
  assert.equal(existsSync(join(off.training.output_dir, 'runs')), false);
  const on = withLogging(countingSftConfig({ max_steps: 1 }), { tensorboard: true });
  await runSft(on, { progress: sink });
  assert.equal(readdirSync(join(on.training.output_dir, 'runs')).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
});
