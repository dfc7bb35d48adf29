/** One run per output dir: a live holder refuses a second run by name, a dead one's lock is taken over, and a run lets go at its end. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { OUTPUT_LOCK_FILE, OutputDirLock, OutputDirLockedError } from '../../../src/trainers/loop/output-lock.js';
import { runSft } from '../../../src/trainers/sft/index.js';
import { countingSftConfig } from '../../helpers/sft-run.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../src/trainers/loop/output-lock.js', import.meta.url));
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

/** A pid that was running a moment ago and is not now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('two processes: the second is refused with the holder named; after the holder is killed its lock is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-'));
  // The holder: takes the lock, says so, then waits to be killed (as a run killed mid-training).
  const script = `const { OutputDirLock } = await import(${JSON.stringify(LOCK_MODULE)}); OutputDirLock.acquire(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    holder.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  try {
    assert.throws(() => OutputDirLock.acquire(dir), (err: Error) => {
      assert.ok(err instanceof OutputDirLockedError);
      assert.equal(err.holder?.pid, holder.pid);
      assert.match(err.message, new RegExp(`in use by another run: pid ${holder.pid} on host ${hostname()} since \\d{4}-`));
      assert.match(err.message, /set another training\.output_dir/);
      return true;
    });
  } finally {
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
  }
  const lock = OutputDirLock.acquire(dir);
  assert.equal(lock.tookOverFrom?.pid, holder.pid);
  assert.equal(JSON.parse(readFileSync(join(dir, OUTPUT_LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(existsSync(join(dir, OUTPUT_LOCK_FILE)), false);
});

test('release leaves a lock that is no longer ours alone; a lock from another host is never taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-'));
  const lock = OutputDirLock.acquire(dir);
  const path = join(dir, OUTPUT_LOCK_FILE);
  const other = { pid: deadPid(), host: 'elsewhere.example', since: '2026-01-01T00:00:00.000Z', command: 'rlhf train' };
  writeFileSync(path, JSON.stringify(other)); // someone removed ours and took the dir
  lock.release();
  assert.equal(existsSync(path), true);
  assert.throws(() => OutputDirLock.acquire(dir), /pid \d+ on host elsewhere\.example since 2026-01-01.*if that process on elsewhere\.example is no longer running, delete/);
});

test('a training run is refused while another live process holds its output_dir, and writes nothing there', async () => {
  const c = countingSftConfig({ max_steps: 1 });
  const out = c.training.output_dir;
  const live = { pid: process.ppid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'rlhf train --config other.yaml' };
  writeFileSync(join(out, OUTPUT_LOCK_FILE), JSON.stringify(live));
  await assert.rejects(runSft(c, { progress: sink }), new RegExp(`in use by another run: pid ${process.ppid} on host .*rlhf train --config other\\.yaml`));
  assert.equal(existsSync(join(out, 'metrics.jsonl')), false);
  assert.equal(existsSync(join(out, 'training.log')), false);
  assert.equal(existsSync(join(out, 'resolved_config.yaml')), false, "the holder's resolved config is not overwritten");
  assert.equal(JSON.parse(readFileSync(join(out, OUTPUT_LOCK_FILE), 'utf8')).pid, process.ppid, 'the holder keeps its lock');
});

test('a killed run\'s lock is taken over on resume (with a log line) and released at the end', async () => {
  const first = countingSftConfig({ max_steps: 2, save_steps: 1 });
  const out = first.training.output_dir;
  await runSft(first, { progress: sink });
  assert.equal(existsSync(join(out, OUTPUT_LOCK_FILE)), false, 'released after the run');
  const dead = deadPid();
  writeFileSync(join(out, OUTPUT_LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'rlhf train' }));
  const resumed = { ...first, training: { ...first.training, max_steps: 3 } };
  const r = await runSft(resumed, { progress: sink, resume: 'latest' });
  assert.equal(r.globalStep, 3);
  assert.match(readFileSync(join(out, 'training.log'), 'utf8'), new RegExp(`INFO  took over .*\\.rlhf\\.lock: its holder \\(pid ${dead} on ${hostname()} since 2026-01-01T00:00:00\\.000Z\\) is no longer running\\n.*resumed from .*checkpoint-2 at step 2`));
  assert.equal(existsSync(join(out, OUTPUT_LOCK_FILE)), false);
});

test('the lock is released when the run fails', async () => {
  const c = countingSftConfig({ max_steps: 5, per_device_train_batch_size: 4, learning_rate: 1e30, warmup_steps: 0, max_grad_norm: 0 });
  await assert.rejects(runSft(c, { progress: sink }), /training diverged/);
  assert.match(readFileSync(join(c.training.output_dir, 'training.log'), 'utf8'), /ERROR training diverged/);
  assert.equal(existsSync(join(c.training.output_dir, OUTPUT_LOCK_FILE)), false);
});
