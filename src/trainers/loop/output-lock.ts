/**
 * One run per output dir: a run holds `<output_dir>/.rlhf.lock` (its pid, host and start time)
 * from start to end, so two processes never append to the same metrics.jsonl or write the same
 * checkpoints. The file is created with O_EXCL, so of two runs starting at once exactly one gets
 * it. A lock whose process is gone (same host, pid not running: a killed run) is taken over.
 * Taking over renames the stale file away first (atomic), so of two runs taking over at once
 * only one removes it, and neither can remove the lock the other has just created.
 *
 * ```ts
 * const lock = OutputDirLock.acquire('outputs/sft');   // throws OutputDirLockedError if held
 * try { ... } finally { lock.release(); }
 * ```
 */
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const OUTPUT_LOCK_FILE = '.rlhf.lock';

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
  /** The holder's command line, to recognise it in `ps`. */
  command: string;
}

/** Thrown when another live run holds the output dir. */
export class OutputDirLockedError extends Error {
  constructor(readonly path: string, readonly holder: LockHolder | null) {
    const who = holder === null
      ? `an unreadable lock file ${path} (being written, or damaged)`
      : `another run: pid ${holder.pid} on host ${holder.host} since ${holder.since} (${holder.command}); lock file ${path}`;
    const gone = holder !== null && holder.host !== hostname()
      ? `if that process on ${holder.host} is no longer running, delete ${path}`
      : `if no run is using it, delete ${path}`;
    super(`training.output_dir ${resolve(path, '..')} is in use by ${who}. Wait for that run to end, set another training.output_dir, or ${gone}`);
    this.name = 'OutputDirLockedError';
  }
}

/** Whether process `pid` runs on this host (EPERM: it exists, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof json.pid !== 'number' || typeof json.host !== 'string') return null;
    return { pid: json.pid, host: json.host, since: String(json.since ?? '?'), command: String(json.command ?? '?') };
  } catch {
    return null;
  }
}

function sameHolder(a: LockHolder | null, b: LockHolder | null): boolean {
  return a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.since === b.since;
}

/**
 * Throws OutputDirLockedError when another live run holds `outputDir` (without taking the lock):
 * for work a run does before its session takes the lock, such as writing resolved_config.yaml.
 */
export function assertOutputDirFree(outputDir: string): void {
  const path = join(outputDir, OUTPUT_LOCK_FILE);
  if (!existsSync(path)) return;
  const holder = readHolder(path);
  const gone = holder !== null && holder.host === hostname() && (holder.pid === process.pid || !isAlive(holder.pid));
  if (!gone) throw new OutputDirLockedError(path, holder);
}

/** A held lock on an output dir. */
export class OutputDirLock {
  /** The stale holder this lock replaced, or null (for a log line). */
  readonly tookOverFrom: LockHolder | null;
  private held = true;

  private constructor(readonly path: string, readonly holder: LockHolder, tookOverFrom: LockHolder | null) {
    this.tookOverFrom = tookOverFrom;
  }

  /** Takes the lock on `outputDir` (creating the dir), or throws OutputDirLockedError naming the holder. */
  static acquire(outputDir: string): OutputDirLock {
    mkdirSync(outputDir, { recursive: true });
    const path = join(outputDir, OUTPUT_LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
    let stale: LockHolder | null = null;
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx'); // O_CREAT | O_EXCL: fails if the file exists
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readHolder(path);
        const dead = holder !== null && holder.host === me.host && holder.pid !== me.pid && !isAlive(holder.pid);
        if (!dead || attempt >= 3) throw new OutputDirLockedError(path, holder);
        const grave = `${path}.stale-${process.pid}`;
        try {
          renameSync(path, grave);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another run moved it first
          throw e;
        }
        const moved = readHolder(grave);
        if (!sameHolder(moved, holder)) {
          // Between our read and the rename another run replaced the stale lock with its own: put it back.
          try {
            linkSync(grave, path);
          } catch {
            // a third run holds the path now; ours is refused either way
          }
          rmSync(grave, { force: true });
          throw new OutputDirLockedError(path, moved);
        }
        rmSync(grave, { force: true });
        stale = holder;
        continue;
      }
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return new OutputDirLock(path, me, stale);
    }
  }

  /** Removes the lock file if it is still ours; idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const now = readHolder(this.path);
    if (sameHolder(now, this.holder)) rmSync(this.path, { force: true });
  }
}
