/**
 * Faults of a data-parallel run over loopback: a killed or frozen rank ends the others within
 * distributed.timeout with that rank named (never a hang), a 2-rank checkpoint resumes in one
 * process, and start-up refuses a config that differs between ranks and a port in use.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, rankEnv } from '../helpers/distributed.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const CLI = 'dist/src/cli/main.js';

const DATA = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'ddp-faults-'));
  writeFileSync(join(dir, 'sft.jsonl'), Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Say ${i}.`, response: `${i} and ${i + 1}.` })).join('\n'));
  return dir;
})();

function writeConfig(maxSteps: number, timeout: number): { path: string; out: string } {
  const out = mkdtempSync(join(tmpdir(), 'ddp-fault-run-'));
  const config = {
    model: { name_or_path: MODEL },
    training: { algorithm: 'sft', output_dir: out, learning_rate: 1e-3, max_steps: maxSteps, per_device_train_batch_size: 4, logging_steps: 1, save_steps: 2, save_total_limit: 2, seed: 1 },
    data: { max_length: 64, max_prompt_length: 32, datasets: { sft: { train_files: [{ path: join(DATA, 'sft.jsonl') }] } } },
    distributed: { timeout },
  };
  const path = join(out, 'config.yaml');
  writeFileSync(path, JSON.stringify(config));
  return { path, out };
}

interface Rank {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function start(args: string[], env: Record<string, string>): Rank {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RLHF_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return { child, output: () => output, exit };
}

async function until(what: string, ok: () => boolean, seconds: number, ranks: Rank[]): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    const gone = ranks.find((r) => r.child.exitCode !== null);
    if (gone !== undefined) throw new Error(`a rank exited before ${what}: ${gone.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const checkpoints = (out: string) => (existsSync(out) ? readdirSync(out).filter((f) => /^checkpoint-\d+$/.test(f)) : []);

test('a killed rank ends the run on the others at once, naming it; the 2-rank checkpoint resumes in one process', async () => {
  const { path, out } = writeConfig(100000, 60);
  const port = await freePort();
  const ranks = [0, 1].map((r) => start(['train', '--config', path], rankEnv(r, 2, port)));
  // Any checkpoint from step 4 on (save_total_limit rotates them away quickly).
  await until('checkpoint-4', () => checkpoints(out).some((c) => Number(c.slice('checkpoint-'.length)) >= 4), 120, ranks);
  const killedAt = Date.now();
  ranks[1]!.child.kill('SIGKILL');
  const end = await ranks[0]!.exit;
  assert.notEqual(end.code, 0);
  assert.ok(end.at - killedAt < 20000, `rank 0 took ${end.at - killedAt} ms to stop`);
  assert.match(ranks[0]!.output(), /failed on rank 0 of 2: .*rank 1 \(last at step \d+\) died or stopped answering .*resume from the last checkpoint/s);
  // Resume at world size 1 (batch 8 = 2 ranks x 4) from what the 2-rank run saved.
  const saved = Math.max(...checkpoints(out).map((c) => Number(c.slice('checkpoint-'.length))));
  const resumed = start(['train', '--config', path, '--resume', 'latest', '--set', `training.max_steps=${saved + 2}`, '--set', 'training.per_device_train_batch_size=8'], {});
  const r = await resumed.exit;
  assert.equal(r.code, 0, resumed.output());
  assert.match(resumed.output(), new RegExp(`trained ${saved + 2} steps`));
});

test('a rank that stops answering ends the run within distributed.timeout, naming it', async () => {
  const { path, out } = writeConfig(100000, 4);
  const port = await freePort();
  const ranks = [0, 1].map((r) => start(['train', '--config', path], rankEnv(r, 2, port)));
  try {
    await until('checkpoint-2', () => checkpoints(out).length > 0, 120, ranks);
    const frozenAt = Date.now();
    ranks[1]!.child.kill('SIGSTOP');
    const end = await ranks[0]!.exit;
    assert.notEqual(end.code, 0);
    assert.ok(end.at - frozenAt < 4000 + 10000, `rank 0 took ${end.at - frozenAt} ms with a 4 s timeout`);
    assert.match(ranks[0]!.output(), /rank 1 \(last at step \d+\) died or stopped answering/);
  } finally {
    ranks[1]!.child.kill('SIGKILL');
  }
});

test('start-up refuses a config that differs between ranks, and a rendezvous port in use', async () => {
  const { path } = writeConfig(4, 30);
  const port = await freePort();
  const ranks = [0, 1].map((r) => start(['train', '--config', path, ...(r === 1 ? ['--set', 'training.learning_rate=0.5'] : [])], rankEnv(r, 2, port)));
  const ends = await Promise.all(ranks.map((r) => r.exit));
  assert.notEqual(ends[1]!.code, 0);
  assert.match(ranks[1]!.output(), /rank 1: its resolved config \(sha256 [0-9a-f]{16}\) differs from rank\(s\) 0's; start every rank with the same --config file and --set overrides/);
  assert.notEqual(ends[0]!.code, 0);

  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const busyPort = (busy.address() as { port: number }).port;
  try {
    const solo = start(['train', '--config', path], rankEnv(0, 2, busyPort));
    const end = await solo.exit;
    assert.notEqual(end.code, 0);
    assert.match(solo.output(), new RegExp(`could not host the TCPStore at 127\\.0\\.0\\.1:${busyPort} \\(is port ${busyPort} already in use\\?`));
  } finally {
    busy.close();
  }
});

test('start-up names ranks started with different world sizes, and refuses the NCCL backend this build lacks', async () => {
  const { path } = writeConfig(4, 20);
  const port = await freePort();
  const ranks = [start(['train', '--config', path], rankEnv(0, 2, port)), start(['train', '--config', path], { ...rankEnv(1, 3, port) })];
  const ends = await Promise.all(ranks.map((r) => r.exit));
  assert.notEqual(ends[1]!.code, 0);
  assert.match(ranks[1]!.output(), /rank 0 was started with WORLD_SIZE=2 but rank 1 with WORLD_SIZE=3; start every rank with the same world size/);
  assert.notEqual(ends[0]!.code, 0);
  const nccl = start(['train', '--config', path, '--set', 'distributed.backend=nccl'], rankEnv(0, 2, await freePort()));
  assert.notEqual((await nccl.exit).code, 0);
  assert.match(nccl.output(), /rank 0: distributed\.backend nccl is not built into this addon \(it talks Gloo only\); use gloo or auto/);
});
