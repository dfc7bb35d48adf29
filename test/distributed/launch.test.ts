/** rlhf launch: argument checks, the torchrun environment, rank-prefixed output, failure and signal handling. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../../src/distributed/launch-lines.js';
import { LAUNCH_DEFAULTS, STOP_GRACE_MS, launchEnv, parseLaunchArgs } from '../../src/distributed/launch.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Run { status: number | null; stdout: string; stderr: string; ms: number }

/** Runs `rlhf ...args`; `started` sees the launcher process (to signal it). */
function rlhf(args: string[], env: NodeJS.ProcessEnv = {}, started?: (child: ChildProcess) => void): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  started?.(child);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - t0 })));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!done()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('launchEnv: node 1 of 2 with 2 workers each gets global ranks 2 and 3', () => {
  const options = parseLaunchArgs(['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '1', '--master-addr', '10.0.0.5', '--master-port', '29501', '--', 'train', '--config', 'run.yaml'], 8);
  assert.deepEqual(launchEnv(options, 0), {
    RANK: '2', LOCAL_RANK: '0', WORLD_SIZE: '4', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '1',
    MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29501', OMP_NUM_THREADS: '4', RLHF_NUM_THREADS: '4',
  });
  assert.deepEqual(launchEnv(options, 1), {
    RANK: '3', LOCAL_RANK: '1', WORLD_SIZE: '4', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '1',
    MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29501', OMP_NUM_THREADS: '4', RLHF_NUM_THREADS: '4',
  });
  assert.throws(() => launchEnv(options, 2), /localRank \(2\) must be an integer in 0\.\.1/);
});

test('parseLaunchArgs: defaults, torchrun spellings, threads per worker', () => {
  assert.deepEqual(parseLaunchArgs(['--nproc-per-node', '3', '--', 'train', '--config', 'x.yaml', '--', 'y'], 8), {
    nprocPerNode: 3, nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: 29500,
    threadsPerProc: 2, raw: false, command: ['train', '--config', 'x.yaml', '--', 'y'],
  });
  assert.equal(LAUNCH_DEFAULTS.masterPort, 29500);
  assert.equal(parseLaunchArgs(['--nproc-per-node', '4', '--', 'info'], 2).threadsPerProc, 1); // never 0
  assert.equal(parseLaunchArgs(['--nproc-per-node', '4', '--threads-per-proc', '3', '--', 'info'], 2).threadsPerProc, 3);
  const torchrun = parseLaunchArgs(['--nproc_per_node=2', '--master_addr=my_host', '--no-python', '--', 'python', 'a.py'], 4);
  assert.deepEqual([torchrun.nprocPerNode, torchrun.masterAddr, torchrun.raw, torchrun.command], [2, 'my_host', true, ['python', 'a.py']]);
});

test('parseLaunchArgs: errors quote the flag and the value', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--nproc-per-node', '2'], /missing `--` before the command/],
    [['--nproc-per-node', '2', '--'], /nothing to run after `--`/],
    [['--', 'train'], /--nproc-per-node is required/],
    [['--nproc-per-node', '0', '--', 'train'], /--nproc-per-node must be a positive integer, got '0'/],
    [['--nproc-per-node', '1.5', '--', 'train'], /--nproc-per-node must be a positive integer, got '1\.5'/],
    [['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '2', '--master-addr', 'h', '--', 'train'], /--node-rank \(2\) must be below --nnodes \(2\)/],
    [['--nproc-per-node', '2', '--master-port', '65536', '--', 'train'], /--master-port must be an integer in 1\.\.65535, got '65536'/],
    [['--nproc-per-node', '2', '--master-port', '0', '--', 'train'], /--master-port must be an integer in 1\.\.65535, got '0'/],
    [['--nproc-per-node', '2', '--nnodes', '2', '--', 'train'], /--master-addr is required with --nnodes 2/],
    [['--nproc-per-node', '2', '--threads-per-proc', '0', '--', 'train'], /--threads-per-proc must be a positive integer, got '0'/],
    [['--nproc-per-node', '2', '--', 'launch', '--nproc-per-node', '2', '--', 'train'], /would start workers that each start workers/],
    [['--nproc-per-node', '2', '--bogus', '--', 'train'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of bad) assert.throws(() => parseLaunchArgs(args, 4), message, args.join(' '));
});

test('LineSplitter: whole lines only, \\r\\n split across chunks, \\r as a line end, multi-byte characters split', () => {
  const lines = new LineSplitter();
  assert.deepEqual(lines.push('a\nb'), ['a']);
  assert.deepEqual(lines.push('c\r'), []); // could be the first half of \r\n
  assert.deepEqual(lines.push('\n\n'), ['bc', '']);
  assert.deepEqual(lines.push('\r 10%\r 20%\r'), [' 10%']);
  assert.deepEqual(lines.push('done\n'), [' 20%', 'done']);
  const euro = Buffer.from('€\n');
  assert.deepEqual(lines.push(euro.subarray(0, 1)), []);
  assert.deepEqual(lines.push(euro.subarray(1)), ['€']);
  assert.deepEqual(lines.push('tail'), []);
  assert.deepEqual(lines.end(), ['tail']);
});

test('rlhf launch --raw: each worker sees its rank and world size, output lines are prefixed by rank', async () => {
  const script = "console.log(`rank ${process.env.RANK} of ${process.env.WORLD_SIZE} local ${process.env.LOCAL_RANK} at ${process.env.MASTER_ADDR}:${process.env.MASTER_PORT} threads ${process.env.RLHF_NUM_THREADS}/${process.env.OMP_NUM_THREADS}`); process.stdout.write('no newline'); console.error('err ' + process.env.RANK)";
  const r = await rlhf(['launch', '--nproc-per-node', '2', '--threads-per-proc', '1', '--master-port', '29999', '--raw', '--', process.execPath, '-e', script]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.split('\n').filter((l) => l !== '').sort();
  assert.deepEqual(out, [
    '[rank0]: no newline',
    '[rank0]: rank 0 of 2 local 0 at 127.0.0.1:29999 threads 1/1',
    '[rank1]: no newline',
    '[rank1]: rank 1 of 2 local 1 at 127.0.0.1:29999 threads 1/1',
  ]);
  // A worker's own lines keep their order.
  assert.ok(r.stdout.indexOf('[rank0]: rank 0') < r.stdout.indexOf('[rank0]: no newline'));
  assert.deepEqual(r.stderr.split('\n').filter((l) => l !== '').sort(), ['[rank0]: err 0', '[rank1]: err 1']);
});

test('rlhf launch -- info: workers run the rlhf CLI and libtorch honours the thread count; --help after -- is the worker\'s', async () => {
  const r = await rlhf(['launch', '--nproc-per-node', '2', '--threads-per-proc', '1', '--', 'info']);
  assert.equal(r.status, 0, r.stderr);
  for (const rank of [0, 1]) assert.match(r.stdout, new RegExp(`^\\[rank${rank}\\]: libtorch .*; threads 1$`, 'm'));
  const help = await rlhf(['launch', '--nproc-per-node', '1', '--', 'info', '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^\[rank0\]: usage: rlhf info$/m);
});

test('rlhf launch: a failing worker stops the others and the launcher exits with its code and last lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-launch-'));
  try {
    const pidFile = join(dir, 'rank0.pid');
    // Rank 1 fails only once rank 0 is up and has written its pid, so the test can check rank 0 was killed.
    const script = `const fs = require('fs'); const f = process.env.PID_FILE;
      if (process.env.RANK === '0') { fs.writeFileSync(f, String(process.pid)); console.log('rank 0 waiting'); setTimeout(() => {}, 60000); }
      else { console.log('starting'); const poll = () => fs.existsSync(f) ? (console.log('about to fail'), process.exit(3)) : setTimeout(poll, 20); poll(); }`;
    const r = await rlhf(['launch', '--nproc-per-node', '2', '--raw', '--', process.execPath, '-e', script], { PID_FILE: pidFile });
    assert.equal(r.status, 3, r.stderr);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.match(r.stderr, /rlhf launch: rank 1 exited with code 3; stopping the other 1 worker\(s\)/);
    assert.match(r.stderr, /rlhf launch: rank 1 failed: exited with code 3; rank 0 was killed by SIGTERM\n/);
    assert.match(r.stderr, /the last 2 line\(s\) of rank 1:\n\[rank1\]: starting\n\[rank1\]: about to fail\n$/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(isAlive(pid), false, `rank 0 (pid ${pid}) still runs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rlhf launch: stopping a worker stops what it started (its process group), so the launcher does not wait on it', async () => {
  // Rank 0's shell forks `sleep`, which holds the output pipe: killing only the shell would leave the launcher waiting 30 s.
  const r = await rlhf(['launch', '--nproc-per-node', '2', '--raw', '--', 'sh', '-c', 'if [ "$RANK" = 1 ]; then sleep 0.3; echo bye; exit 5; fi; sleep 30; echo done']);
  assert.equal(r.status, 5, r.stderr);
  assert.ok(r.ms < STOP_GRACE_MS, `took ${r.ms} ms: sleep outlived SIGTERM`); // no SIGKILL was needed
  assert.doesNotMatch(r.stdout, /done/);
  assert.match(r.stderr, /rank 1 failed: exited with code 5; rank 0 was killed by SIGTERM\n.*\n\[rank1\]: bye\n$/);
});

test('rlhf launch: SIGTERM to the launcher reaches every worker; exit code 143', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-launch-'));
  try {
    const script = "require('fs').writeFileSync(require('path').join(process.env.READY_DIR, process.env.RANK), String(process.pid)); setTimeout(() => {}, 60000)";
    const ready = [0, 1].map((rank) => join(dir, String(rank)));
    const r = await rlhf(['launch', '--nproc-per-node', '2', '--raw', '--', process.execPath, '-e', script], { READY_DIR: dir }, (launcher) => {
      void until(() => ready.every((f) => existsSync(f) && readFileSync(f, 'utf8') !== '')).then(() => launcher.kill('SIGTERM'));
    });
    assert.equal(r.status, 143, r.stderr);
    assert.match(r.stderr, /rlhf launch: got SIGTERM; passed it to 2 worker\(s\)/);
    assert.match(r.stderr, /stopped by SIGTERM; workers: rank 0 was killed by SIGTERM, rank 1 was killed by SIGTERM/);
    for (const f of ready) assert.equal(isAlive(Number(readFileSync(f, 'utf8'))), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rlhf launch: bad arguments and a missing executable are one-line errors', async () => {
  const bad = await rlhf(['launch', '--nproc-per-node', '0', '--', 'info']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, "rlhf: --nproc-per-node must be a positive integer, got '0'\n");
  const missing = await rlhf(['launch', '--nproc-per-node', '1', '--raw', '--', '/nonexistent/worker']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /rlhf launch: rank 0 could not start: spawn \/nonexistent\/worker ENOENT/);
});
