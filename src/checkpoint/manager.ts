/**
 * Checkpoint directories under a run's output dir: `checkpoint-<step>/`, written atomically,
 * pruned to the last N (plus the best), found again on resume.
 *
 * A save fills `checkpoint-<step>.tmp-<pid>/` (the caller's files, then manifest.json, then
 * trainer_state.json last) and renames it to `checkpoint-<step>`; a crash leaves only a
 * `.tmp-` directory, never a half-written `checkpoint-<step>`.
 *
 * ```ts
 * const ckpt = new CheckpointManager('out', { keepLast: 3 });
 * ckpt.save(step, (dir) => { savePretrained(model, dir); saveTrainingState(dir, { optimizer, scheduler }); }, state);
 * const resume = ckpt.resolveResume('latest'); // { dir, state }
 * ```
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CheckpointError } from './errors.js';
import { checkpointProblems, validateCheckpoint, writeManifest } from './manifest.js';
import { readTrainerState, writeTrainerState, type TrainerState } from './trainer-state.js';

export const CHECKPOINT_PREFIX = 'checkpoint-';
const CHECKPOINT_RE = /^checkpoint-(\d+)$/;

export interface CheckpointManagerOptions {
  /** Complete checkpoints to keep (the best one is kept on top of these); undefined or 0 keeps all. */
  keepLast?: number;
}

/** The trainer state a save records; globalStep defaults to the step saved, the rest to empty. */
export type TrainerStateInput = Partial<TrainerState>;

export interface SaveOptions {
  /** Mark this checkpoint as the best so far: it is recorded in trainer_state.json and never pruned. */
  best?: boolean;
}

/** A checkpoint found on disk. */
export interface CheckpointRef {
  dir: string;
  step: number;
}

export class CheckpointManager {
  readonly outputDir: string;
  readonly keepLast: number | undefined;
  private bestName: string | null;

  constructor(outputDir: string, options: CheckpointManagerOptions = {}) {
    if (options.keepLast !== undefined && (!Number.isInteger(options.keepLast) || options.keepLast < 0)) {
      throw new RangeError(`CheckpointManager: keepLast (${options.keepLast}) must be a non-negative integer`);
    }
    this.outputDir = outputDir;
    this.keepLast = options.keepLast === 0 ? undefined : options.keepLast;
    const latest = this.latest();
    this.bestName = latest === undefined ? null : readTrainerState(latest.dir).bestCheckpoint;
  }

  /** `<outputDir>/checkpoint-<step>`. */
  dirFor(step: number): string {
    return join(this.outputDir, `${CHECKPOINT_PREFIX}${step}`);
  }

  /**
   * Writes checkpoint-<step>: `writer(tmpDir)` saves the model, optimizer, ... into a temp dir,
   * then the manifest and trainer_state.json are written and the dir is renamed into place.
   * If `writer` throws, the temp dir is removed and the error rethrown. Returns the final dir.
   */
  save(step: number, writer: (tmpDir: string) => void, state: TrainerStateInput = {}, options: SaveOptions = {}): string {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`CheckpointManager.save: step (${step}) must be a non-negative integer`);
    mkdirSync(this.outputDir, { recursive: true });
    const finalDir = this.dirFor(step);
    const tmpDir = `${finalDir}.tmp-${process.pid}`;
    rmSync(tmpDir, { recursive: true, force: true });
    mkdirSync(tmpDir);
    const name = basename(finalDir);
    const bestName = options.best === true ? name : (state.bestCheckpoint ?? this.bestName);
    try {
      writer(tmpDir);
      writeManifest(tmpDir);
      writeTrainerState(tmpDir, {
        globalStep: state.globalStep ?? step,
        epoch: state.epoch ?? 0,
        bestMetric: state.bestMetric ?? null,
        bestCheckpoint: bestName,
        logHistory: state.logHistory ?? [],
        dataPosition: state.dataPosition ?? null,
        ...(state.evalsSinceImprovement === undefined ? {} : { evalsSinceImprovement: state.evalsSinceImprovement }),
      });
      // Re-saving a step replaces the old checkpoint; the window without one is only this rm + rename.
      rmSync(finalDir, { recursive: true, force: true });
      renameSync(tmpDir, finalDir);
    } catch (err) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw err;
    }
    this.bestName = bestName;
    this.prune();
    return finalDir;
  }

  /** Checkpoint dirs (complete or not), oldest step first. Temp dirs are not listed. */
  list(): CheckpointRef[] {
    if (!existsSync(this.outputDir)) return [];
    const refs: CheckpointRef[] = [];
    for (const entry of readdirSync(this.outputDir, { withFileTypes: true })) {
      const match = entry.isDirectory() ? CHECKPOINT_RE.exec(entry.name) : null;
      if (match !== null) refs.push({ dir: join(this.outputDir, entry.name), step: Number(match[1]) });
    }
    return refs.sort((a, b) => a.step - b.step);
  }

  /** The newest complete checkpoint, skipping incomplete or corrupted ones; undefined if none. */
  latest(): CheckpointRef | undefined {
    const refs = this.list();
    for (let i = refs.length - 1; i >= 0; i--) {
      const ref = refs[i]!;
      if (checkpointProblems(ref.dir).length === 0) return ref;
    }
    return undefined;
  }

  /** Throws a CheckpointError naming `dir` and what is missing; see validateCheckpoint. */
  validate(dir: string): void {
    validateCheckpoint(dir);
  }

  /** 'latest' → the newest complete checkpoint here (throws if none); a path → that checkpoint, validated. */
  resolveResume(target: 'latest' | string): { dir: string; state: TrainerState } {
    let dir: string;
    if (target === 'latest') {
      const ref = this.latest();
      if (ref === undefined) {
        const found = this.list().map((r) => basename(r.dir));
        const detail = found.length === 0 ? 'there are no checkpoint-<step> directories' : `none of ${found.join(', ')} is complete`;
        throw new CheckpointError(resolve(this.outputDir), [`cannot resume from 'latest': ${detail}`]);
      }
      dir = ref.dir;
    } else {
      dir = target;
      validateCheckpoint(dir);
    }
    return { dir, state: readTrainerState(dir) };
  }

  /** Deletes the oldest complete checkpoints beyond keepLast, never the best one. */
  private prune(): void {
    if (this.keepLast === undefined) return;
    const complete = this.list().filter((ref) => checkpointProblems(ref.dir).length === 0);
    const keep = new Set(complete.slice(-this.keepLast).map((ref) => ref.dir));
    for (const ref of complete) {
      if (keep.has(ref.dir) || basename(ref.dir) === this.bestName) continue;
      rmSync(ref.dir, { recursive: true, force: true });
    }
  }
}
