/**
 * Starts the ranks of one `npm run bench -- ddp` measurement the way torchrun (and `rlhf
 * launch`) does: one process per rank with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and a free
 * MASTER_PORT, and OMP_NUM_THREADS / RLHF_NUM_THREADS. The first rank to fail stops the others
 * (they would otherwise wait out their collective timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RanksOptions {
  worldSize: number;
  /** Intra-op threads per rank. */
  threads: number;
  /** Extra environment for every rank. */
  env?: Record<string, string>;
  /** Called once per line rank 0 writes to stdout, as it arrives. */
  onRank0Line?: (line: string) => void;
}

export interface RanksResult {
  /** Each rank's whole stdout, by rank. */
  stdout: string[];
  /** Seconds from the first spawn to the last exit. */
  wallS: number;
}

/** A TCP port nothing listens on right now (the OS picks it; rank 0 binds it moments later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Environment of one rank: the parent's, minus any launcher variables it had, plus this world's. */
function rankEnv(rank: number, port: number, o: RanksOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, OMP_NUM_THREADS: String(o.threads), RLHF_NUM_THREADS: String(o.threads) };
  for (const k of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'SLURM_PROCID', 'SLURM_NTASKS']) delete env[k];
  if (o.worldSize > 1) {
    Object.assign(env, {
      RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(o.worldSize), LOCAL_WORLD_SIZE: String(o.worldSize),
      MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port),
    });
  }
  return env;
}

/** Runs `command args` as o.worldSize ranks; resolves when all exit 0, rejects with the first failure's stderr. */
export async function runRanks(command: string, args: readonly string[], o: RanksOptions): Promise<RanksResult> {
  const port = await freePort();
  const started = performance.now();
  const children: ChildProcess[] = [];
  const stdout = Array.from({ length: o.worldSize }, () => '');
  const stderr = Array.from({ length: o.worldSize }, () => '');
  let failure: Error | null = null;
  const exits = Array.from({ length: o.worldSize }, (_, rank) => new Promise<void>((resolve) => {
    const child = spawn(command, args, { env: rankEnv(rank, port, o), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout[rank] += chunk;
      if (rank !== 0 || o.onRank0Line === undefined) return;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) o.onRank0Line(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr[rank] = (stderr[rank] + chunk).slice(-20_000)));
    child.on('error', (e) => {
      failure ??= new Error(`rank ${rank}: ${command} did not start: ${e.message}`);
      resolve();
    });
    child.on('close', (code, signal) => {
      if ((code !== 0 || signal !== null) && failure === null) {
        failure = new Error(`rank ${rank} of ${o.worldSize} (${command} ${args.join(' ')}) ${signal ?? `exited with code ${code}`}: ${(stderr[rank] ?? '').slice(-2000)}`);
        for (const other of children) if (other !== child && other.exitCode === null && other.pid !== undefined) other.kill('SIGKILL');
      }
      resolve();
    });
  }));
  await Promise.all(exits);
  if (failure !== null) throw failure;
  return { stdout, wallS: (performance.now() - started) / 1000 };
}

/** The JSON object a rank printed last. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as T;
}
