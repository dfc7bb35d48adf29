/**
 * The run skeleton the offline Trainer and the OnlineTrainer share; each brings only its loop
 * of steps. Around the loop it: locks the output dir, opens training.log, seeds, resumes from a
 * checkpoint (model, optimizer, schedule, loss scale, RNG, algorithm state), opens metrics.jsonl
 * (and TensorBoard), draws the progress bar, logs an error that ends the run, and at the end
 * saves the final model and writes training_stats.json. Only rank 0 locks, saves and logs metrics.
 *
 * ```ts
 * return runSession(spec, async (run) => {
 *   for (let step = run.startStep + 1; step <= total; step++) { ...; run.metrics?.log(row); run.progress.update(step); }
 *   return { lastStep: total, result, stats: (runtime) => ({ train_runtime: runtime }) };
 * });
 * ```
 */
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { LoggingConfig, type TrainingConfig } from '../../config/index.js';
import { MetricsLogger, TrainingLog, TrainingProgress, writeTrainingStats, type TrainingProgressOptions, type TrainingStats } from '../../monitor/index.js';
import { manualSeed } from '../../tensor/index.js';
import {
  CheckpointManager, loadCheckpointContents, saveCheckpointContents, saveModelFiles,
  type CheckpointContents, type SaveOptions, type TrainerState, type TrainerStateInput,
} from '../../checkpoint/index.js';
import { OutputDirLock, type LockHolder } from './output-lock.js';
import { join } from 'node:path';
import type { ProcessGroup } from '../../distributed/index.js';

/** The `logging:` keys a run honours (defaults: the schema's). */
export type RunLogging = Partial<Pick<LoggingConfig, 'level' | 'log_dir' | 'tensorboard'>>;

/** What the skeleton needs to know about a run. */
export interface RunSpec {
  training: TrainingConfig;
  logging?: RunLogging;
  /** Optimizer steps of the whole run. */
  totalSteps: number;
  /** 'latest' or a checkpoint dir; default training.resume_from_checkpoint. */
  resume?: string | null;
  /** What checkpoints hold, and the model the final output dir holds. */
  contents: CheckpointContents;
  /** The line that opens the run in training.log (`sft: 16 examples, 8 steps ...`; run-reader reads it). */
  startLine: string;
  progress?: TrainingProgressOptions;
  /** Also echo training.log lines to stderr. Default false. */
  echo?: boolean;
  /** The data-parallel group: rank 0 alone locks, logs metrics and saves; the others wait for its saves. */
  group?: ProcessGroup | null;
}

/** What a loop gets from the skeleton. */
export interface RunContext {
  /** The step the run starts after (0, or the resumed checkpoint's). */
  readonly startStep: number;
  /** trainer_state.json of the checkpoint resumed from; null on a fresh start. */
  readonly resumed: TrainerState | null;
  readonly log: TrainingLog;
  /** metrics.jsonl (and TensorBoard); undefined off rank 0. */
  readonly metrics: MetricsLogger | undefined;
  readonly progress: TrainingProgress;
  /** Writes checkpoint-<step> with every part of the contents (rank 0 only); returns its dir name, null elsewhere. */
  saveCheckpoint(step: number, state: TrainerStateInput, options?: SaveOptions): string | null;
}

/** What a loop returns: its last step, the caller's result, and training_stats.json given the runtime. */
export interface LoopEnd<R> {
  lastStep: number;
  result: R;
  stats: (runtimeSeconds: number) => TrainingStats;
}

/** Where metrics.jsonl, training.log and runs/ go: logging.log_dir, else the output dir. */
export function logDirOf(outputDir: string, logging: RunLogging = {}): string {
  const logDir = logging.log_dir ?? null;
  return logDir === null ? outputDir : logDir;
}

const describeHolder = (h: LockHolder) => `pid ${h.pid} on ${h.host} since ${h.since}`;

/** Runs `loop` inside the skeleton; see the file comment. */
export async function runSession<R>(spec: RunSpec, loop: (run: RunContext) => Promise<LoopEnd<R>>): Promise<R> {
  const t = spec.training;
  const logging = { ...LoggingConfig.parse({}), ...spec.logging };
  const out = t.output_dir;
  const logDir = logDirOf(out, logging);
  const group = spec.group ?? null;
  const main = group === null || group.rank === 0;
  const locks: OutputDirLock[] = [];
  try {
    if (main) {
      locks.push(OutputDirLock.acquire(out));
      // A separate log_dir is locked too: two runs never append to one metrics.jsonl.
      if (resolve(logDir) !== resolve(out)) locks.push(OutputDirLock.acquire(logDir));
      mkdirSync(out, { recursive: true });
    }
    const checkpoints = new CheckpointManager(out, { keepLast: t.save_total_limit });
    // Ranks other than 0 keep their own log under ranks/ and print nothing (rank 0 speaks for the run).
    const log = main
      ? new TrainingLog(logDir, { echo: spec.echo ?? false, level: logging.level })
      : new TrainingLog(join(logDir, 'ranks', `rank${group?.rank}`), { level: logging.level });
    for (const lock of locks) {
      if (lock.tookOverFrom !== null) log.info(`took over ${lock.path}: its holder (${describeHolder(lock.tookOverFrom)}) is no longer running`);
    }
    let startStep = 0;
    let resumed: TrainerState | null = null;
    manualSeed(t.seed);
    const resume = spec.resume ?? t.resume_from_checkpoint;
    if (resume !== null && resume !== undefined) {
      const { dir, state } = checkpoints.resolveResume(resume);
      loadCheckpointContents(dir, spec.contents);
      startStep = state.globalStep;
      resumed = state;
      log.info(`resumed from ${dir} at step ${startStep}`);
    }
    const metrics = main ? new MetricsLogger(logDir, { resumeStep: startStep, tensorboard: logging.tensorboard }) : undefined;
    const progress = new TrainingProgress(spec.totalSteps, { startStep, ...spec.progress, ...(main ? {} : { stream: new PassThrough(), tty: false }) });
    const started = Date.now();
    log.info(spec.startLine);
    spec.contents.model.module.train();
    // The barrier: no rank goes on (and perhaps dies and resumes) before the checkpoint is whole.
    const saveCheckpoint = (step: number, state: TrainerStateInput, options: SaveOptions = {}): string | null => {
      const optimizer = spec.contents.optimizer;
      optimizer?.consolidateStateDict?.(); // ZeRO-1: rank 0 gathers the shards (every rank takes part)
      try {
        const saved = main ? basename(checkpoints.save(step, (tmp) => saveCheckpointContents(tmp, spec.contents), state, options)) : null;
        group?.barrier();
        return saved;
      } finally {
        optimizer?.releaseConsolidatedState?.();
      }
    };
    try {
      const end = await loop({ startStep, resumed, log, metrics, progress, saveCheckpoint });
      if (main) saveModelFiles(out, spec.contents);
      const runtime = (Date.now() - started) / 1000;
      if (main) writeTrainingStats(out, end.stats(runtime));
      group?.barrier();
      log.info(`done: ${end.lastStep} steps, final model in ${out}`);
      return end.result;
    } catch (err) {
      log.error((err as Error).message);
      throw err;
    } finally {
      progress.stop();
      metrics?.close();
    }
  } finally {
    for (const lock of locks.reverse()) lock.release();
  }
}
