/**
 * `rlhf launch`: starts one worker process per rank with torchrun's environment contract
 * (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, ...), prefixes their output with the rank, and
 * stops them all when one fails, the way torchrun (torch.distributed.run) does.
 *
 * @example
 * // rlhf launch --nproc-per-node 2 -- train --config run.yaml
 * const code = await launch(parseLaunchArgs(['--nproc-per-node', '2', '--', 'train', '--config', 'run.yaml']));
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MASTER_PORT } from './env.js';
import { LineSplitter } from './launch-lines.js';

/** How `rlhf launch` starts its workers; the fields mirror torchrun's flags. */
export interface LaunchOptions {
  /** Worker processes on this node (torchrun --nproc-per-node). */
  nprocPerNode: number;
  /** Nodes in the job, each running its own `rlhf launch` (torchrun --nnodes). Default 1. */
  nnodes: number;
  /** This node's index in [0, nnodes) (torchrun --node-rank). Default 0. */
  nodeRank: number;
  /** Address of node 0, where rank 0 serves the rendezvous store. Default 127.0.0.1; required when nnodes > 1. */
  masterAddr: string;
  /** Port of that store. Default 29500, torchrun's. */
  masterPort: number;
  /** Intra-op threads per worker (OMP_NUM_THREADS, RLHF_NUM_THREADS). Default floor(CPUs / nprocPerNode), at least 1. */
  threadsPerProc: number;
  /** true: `command` is an executable and its arguments (torchrun --no-python); false: an rlhf command. */
  raw: boolean;
  /** What each worker runs: the words after `--`. */
  command: string[];
}

export const LAUNCH_DEFAULTS = { nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: DEFAULT_MASTER_PORT } as const;

/** How long a worker has between SIGTERM and SIGKILL (torchrun waits 30 s; rlhf's trainers do not catch SIGTERM, so waiting longer buys nothing). */
export const STOP_GRACE_MS = 5000;
/** Lines of a failed worker's output repeated at the end, where they are easy to find. */
const TAIL_LINES = 20;

/** The rlhf CLI the workers run unless --raw: dist/src/cli/main.js next to this file. */
const CLI_SCRIPT = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/**
 * Reads `rlhf launch` arguments: flags, then `--`, then the command. torchrun's spellings
 * (--nproc_per_node, --no-python) are accepted too. `cpus` sets the default thread count.
 */
export function parseLaunchArgs(args: string[], cpus: number = availableParallelism()): LaunchOptions {
  const cut = args.indexOf('--');
  if (cut < 0) throw new Error('missing `--` before the command each worker runs, as in `rlhf launch --nproc-per-node 2 -- train --config FILE`');
  const command = args.slice(cut + 1);
  if (command.length === 0) throw new Error('nothing to run after `--`: give an rlhf command (train --config FILE) or, with --raw, an executable');
  const { values } = parseArgs({
    args: args.slice(0, cut).map(hyphenated),
    options: {
      'nproc-per-node': { type: 'string' },
      nnodes: { type: 'string' },
      'node-rank': { type: 'string' },
      'master-addr': { type: 'string' },
      'master-port': { type: 'string' },
      'threads-per-proc': { type: 'string' },
      raw: { type: 'boolean' },
      'no-python': { type: 'boolean' },
    },
    strict: true,
  });
  if (values['nproc-per-node'] === undefined) throw new Error('--nproc-per-node is required: the number of workers on this node');
  const nprocPerNode = integerFlag('nproc-per-node', values['nproc-per-node'], 1);
  const nnodes = values.nnodes === undefined ? LAUNCH_DEFAULTS.nnodes : integerFlag('nnodes', values.nnodes, 1);
  const nodeRank = values['node-rank'] === undefined ? LAUNCH_DEFAULTS.nodeRank : integerFlag('node-rank', values['node-rank'], 0);
  if (nodeRank >= nnodes) throw new Error(`--node-rank (${nodeRank}) must be below --nnodes (${nnodes})`);
  const masterPort = values['master-port'] === undefined ? LAUNCH_DEFAULTS.masterPort : integerFlag('master-port', values['master-port'], 1, 65535);
  const masterAddr = values['master-addr'] ?? LAUNCH_DEFAULTS.masterAddr;
  if (masterAddr === '') throw new Error('--master-addr must not be empty');
  if (nnodes > 1 && values['master-addr'] === undefined) {
    throw new Error(`--master-addr is required with --nnodes ${nnodes}: the address of node 0 that every node can reach (127.0.0.1 only works on one node)`);
  }
  const threadsPerProc = values['threads-per-proc'] === undefined
    ? Math.max(1, Math.floor(cpus / nprocPerNode))
    : integerFlag('threads-per-proc', values['threads-per-proc'], 1);
  const raw = values.raw === true || values['no-python'] === true;
  if (!raw && command[0] === 'launch') throw new Error('`rlhf launch -- launch ...` would start workers that each start workers; run one launch per node');
  return { nprocPerNode, nnodes, nodeRank, masterAddr, masterPort, threadsPerProc, raw, command };
}

/** torchrun spells its flags both ways: `--nproc_per_node=2` reads as `--nproc-per-node=2`. */
function hyphenated(arg: string): string {
  if (!arg.startsWith('--')) return arg;
  const eq = arg.indexOf('=');
  return eq < 0 ? arg.replaceAll('_', '-') : arg.slice(0, eq).replaceAll('_', '-') + arg.slice(eq);
}

/** `text` as an integer in [min, max], or an error quoting the flag and the value. */
function integerFlag(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    const want = max < Number.MAX_SAFE_INTEGER ? `an integer in ${min}..${max}` : min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new Error(`--${name} must be ${want}, got '${text}'`);
  }
  return n;
}

/**
 * The variables worker `localRank` gets on top of the launcher's environment: torchrun's
 * contract, plus the thread count that the OpenMP runtime and rlhf's tensor core read.
 */
export function launchEnv(options: LaunchOptions, localRank: number): Record<string, string> {
  if (!Number.isInteger(localRank) || localRank < 0 || localRank >= options.nprocPerNode) {
    throw new RangeError(`localRank (${localRank}) must be an integer in 0..${options.nprocPerNode - 1}`);
  }
  const threads = String(options.threadsPerProc);
  return {
    RANK: String(options.nodeRank * options.nprocPerNode + localRank),
    LOCAL_RANK: String(localRank),
    WORLD_SIZE: String(options.nnodes * options.nprocPerNode),
    LOCAL_WORLD_SIZE: String(options.nprocPerNode),
    GROUP_RANK: String(options.nodeRank),
    MASTER_ADDR: options.masterAddr,
    MASTER_PORT: String(options.masterPort),
    OMP_NUM_THREADS: threads,
    RLHF_NUM_THREADS: threads,
  };
}

/** Where launched output goes; process.stdout and process.stderr unless a test says otherwise. */
export interface LaunchOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** One worker: its process, how it ended, and its last lines for the failure report. */
interface Worker {
  rank: number;
  child: ChildProcess;
  tail: string[];
  /** Set once the process has exited (or could not start). */
  ended?: { code: number | null; signal: NodeJS.Signals | null; error?: string };
  /** true once the process has exited and its output is fully read. */
  done: boolean;
  closed: Promise<void>;
}

/** The launcher's own signals that it passes on to the workers (torchrun also stops them on SIGHUP). */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs the workers until all exit. Returns 0 when all exit 0; otherwise the first failed
 * worker's exit code (128 + signal number when a signal killed it), after stopping the rest
 * and repeating that worker's last lines. SIGINT, SIGTERM and SIGHUP to the launcher go to
 * every worker, and the launcher exits with 128 + that signal's number.
 */
export async function launch(options: LaunchOptions, output: LaunchOutput = process): Promise<number> {
  const workers = Array.from({ length: options.nprocPerNode }, (_, localRank) => startWorker(options, localRank, output));
  let failed: Worker | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const timers: NodeJS.Timeout[] = [];
  const live = () => workers.filter((w) => !w.done);
  const stopAll = (signal: NodeJS.Signals) => {
    for (const w of live()) signalGroup(w, signal);
    if (timers.length > 0) return;
    timers.push(setTimeout(() => {
      for (const w of live()) signalGroup(w, 'SIGKILL');
      // Something that left the group (setsid) may still hold a worker's pipe: stop waiting for it.
      timers.push(setTimeout(() => live().forEach((w) => [w.child.stdout, w.child.stderr].forEach((s) => s?.destroy())), 1000));
    }, STOP_GRACE_MS));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) {
      for (const w of live()) signalGroup(w, 'SIGKILL'); // a second Ctrl-C means now
      return;
    }
    interrupted = signal;
    const count = live().length;
    stopAll(signal); // before writing: after a SIGHUP the terminal may be gone and the write may fail
    output.stderr.write(`rlhf launch: got ${signal}; passed it to ${count} worker(s) (SIGKILL after ${STOP_GRACE_MS / 1000} s, or on a second signal)\n`);
  };
  for (const w of workers) {
    const onEnd = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
      if (w.ended !== undefined) return;
      w.ended = error === undefined ? { code, signal } : { code, signal, error };
      if (code === 0 || failed !== undefined || interrupted !== undefined) return;
      failed = w;
      const others = workers.filter((o) => o.ended === undefined).length;
      output.stderr.write(`rlhf launch: rank ${w.rank} ${describeEnd(w.ended)}` +
        (others > 0 ? `; stopping the other ${others} worker(s) (SIGTERM, SIGKILL after ${STOP_GRACE_MS / 1000} s)\n` : '\n'));
      stopAll('SIGTERM');
    };
    w.child.on('exit', (code, signal) => onEnd(code, signal));
    // No pid: the executable could not start (ENOENT, EACCES); 'close' still follows.
    w.child.on('error', (err) => { if (w.child.pid === undefined) onEnd(null, null, err.message); });
  }
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  try {
    await Promise.all(workers.map((w) => w.closed));
  } finally {
    timers.forEach(clearTimeout);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  }
  if (interrupted !== undefined) {
    output.stderr.write(`rlhf launch: stopped by ${interrupted}; workers: ${workers.map((w) => `rank ${w.rank} ${describeEnd(w.ended)}`).join(', ')}\n`);
    return 128 + (constants.signals[interrupted] ?? 0);
  }
  if (failed === undefined) return 0;
  const others = workers.filter((w) => w !== failed).map((w) => `rank ${w.rank} ${describeEnd(w.ended)}`);
  output.stderr.write(`rlhf launch: rank ${failed.rank} failed: ${describeEnd(failed.ended)}` + (others.length > 0 ? `; ${others.join(', ')}` : '') + '\n');
  output.stderr.write(failed.tail.length > 0
    ? `rlhf launch: the last ${failed.tail.length} line(s) of rank ${failed.rank}:\n${failed.tail.join('\n')}\n`
    : `rlhf launch: rank ${failed.rank} wrote nothing\n`);
  return exitCodeOf(failed.ended);
}

/** Signals the worker's process group: the worker and whatever it started, as torchrun's killpg does. */
function signalGroup(w: Worker, signal: NodeJS.Signals): void {
  if (w.child.pid === undefined) return;
  try {
    process.kill(-w.child.pid, signal);
  } catch {
    // ESRCH: the whole group has exited already
  }
}

/** Spawns worker `localRank` with its environment, its output piped through the rank prefix. */
function startWorker(options: LaunchOptions, localRank: number, output: LaunchOutput): Worker {
  const env = launchEnv(options, localRank);
  const rank = Number(env['RANK']);
  const [file, args] = options.raw
    ? [options.command[0] as string, options.command.slice(1)]
    : [process.execPath, [CLI_SCRIPT, ...options.command]];
  // Its own session and process group (torchrun's start_new_session): stopping a worker stops what it started,
  // and a Ctrl-C at the terminal reaches the workers once, through the launcher.
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const worker: Worker = { rank, child, tail: [], done: false, closed: Promise.resolve() };
  worker.closed = new Promise((resolve) => child.on('close', () => { worker.done = true; resolve(); }));
  const prefix = `[rank${rank}]: `;
  for (const [from, to] of [[child.stdout, output.stdout], [child.stderr, output.stderr]] as const) {
    const lines = new LineSplitter();
    const emit = (batch: string[]) => {
      for (const line of batch) {
        const text = prefix + line;
        to.write(text + '\n'); // one write per whole line: ranks never interleave mid-line
        worker.tail.push(text);
        if (worker.tail.length > TAIL_LINES) worker.tail.shift();
      }
    };
    from?.on('data', (chunk: Buffer) => emit(lines.push(chunk)));
    from?.on('end', () => emit(lines.end()));
  }
  return worker;
}

function describeEnd(ended: Worker['ended']): string {
  if (ended === undefined) return 'still running';
  if (ended.error !== undefined) return `could not start: ${ended.error}`;
  if (ended.signal !== null) return `was killed by ${ended.signal}`;
  return `exited with code ${ended.code}`;
}

/** The launcher's exit code for a failed worker: its own code, 128 + signal, or 1 if it never started. */
function exitCodeOf(ended: Worker['ended']): number {
  if (ended?.signal) return 128 + (constants.signals[ended.signal] ?? 0);
  return ended?.code !== null && ended?.code !== undefined && ended.code > 0 ? ended.code : 1;
}
