/**
 * Reads a training output directory, finished or still being written: the metrics rows
 * (tolerating a half-written last line), where the run stands (status, step, total steps) and
 * how fast it goes (seconds per step and ETA, from training.log's timestamps). metrics.jsonl and
 * training.log are read from the run's logging.log_dir when its resolved_config.yaml sets one.
 *
 * ```ts
 * const run = readRun('outputs/sft-tiny');
 * console.log(run.status, run.currentStep, run.totalSteps, run.etaSeconds);
 * ```
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { METRICS_FILE } from './metrics-logger.js';
import type { MetricRow } from './metric-series.js';
import { TRAINING_LOG_FILE } from './text-logger.js';
import { TRAINING_STATS_FILE, type TrainingStats } from './training-stats.js';

/** The config the trainers write beside their outputs (writeResolvedConfig). */
export const RESOLVED_CONFIG_FILE = 'resolved_config.yaml';

/** running: logging and not done; finished: training.log says done (or training_stats.json exists); failed: an ERROR ended the last attempt. */
export type RunStatus = 'waiting' | 'running' | 'finished' | 'failed';

/** Where the total step count came from. */
export type TotalStepsSource = 'option' | 'training_stats.json' | 'training.log' | 'resolved_config.yaml';

export interface ReadRunOptions {
  /** Total optimizer steps, when known better than the files say. */
  totalSteps?: number;
  /** Clock for "seconds since the last log", in ms. Default Date.now. */
  now?: () => number;
}

export interface RunSnapshot {
  dir: string;
  /** Where metrics.jsonl and training.log were read: `dir`, or the run's logging.log_dir. */
  logDir: string;
  rows: MetricRow[];
  /** 1-based lines of metrics.jsonl that were not JSON, other than a half-written last line (which is dropped silently). */
  badLines: number[];
  status: RunStatus;
  /** The algorithm named in training.log ('sft', 'dpo', ...). */
  algorithm?: string;
  /** The last ERROR line of the last attempt, when it failed. */
  error?: string;
  /** Highest step seen in metrics.jsonl or training.log. */
  currentStep: number;
  totalSteps?: number;
  totalStepsSource?: TotalStepsSource;
  /** Wall seconds per optimizer step in the current attempt (since its start or resume). */
  secondsPerStep?: number;
  /** Estimated seconds to totalSteps, for a running run. */
  etaSeconds?: number;
  /** Seconds since the last line of training.log (or metrics.jsonl was written). */
  secondsSinceUpdate?: number;
  /** training_stats.json, once the run has written it. */
  stats?: TrainingStats;
}

/** Parses metrics.jsonl text: a line that is not JSON is skipped and reported, unless it is the last (still being written). */
export function parseMetricsText(text: string): { rows: MetricRow[]; badLines: number[] } {
  const lines = text.split('\n');
  const rows: MetricRow[] = [];
  const badLines: number[] = [];
  const lastNonEmpty = lines.reduce((last, line, i) => (line.trim() !== '' ? i : last), -1);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const row = JSON.parse(line) as unknown;
      if (row !== null && typeof row === 'object' && typeof (row as MetricRow)['step'] === 'number') rows.push(row as MetricRow);
      else badLines.push(i + 1);
    } catch {
      if (i !== lastNonEmpty) badLines.push(i + 1);
    }
  });
  return { rows, badLines };
}

interface LogLine {
  timeMs: number;
  level: string;
  message: string;
}

function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const lines: LogLine[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(\S+) (DEBUG|INFO|WARN|ERROR)\s+(.*)$/.exec(raw);
    const timeMs = m ? Date.parse(m[1] as string) : Number.NaN;
    if (m && Number.isFinite(timeMs)) lines.push({ timeMs, level: m[2] as string, message: m[3] as string });
  }
  return lines;
}

/** What training.log says about the last attempt (a resume starts a new one). */
interface LogProgress {
  algorithm?: string;
  totalSteps?: number;
  startStep: number;
  startMs?: number;
  lastStep?: number;
  lastStepMs?: number;
  lastLineMs?: number;
  done: boolean;
  error?: string;
}

function logProgress(lines: readonly LogLine[]): LogProgress {
  // The trainer logs "resumed from DIR at step S", then "ALGO: N examples, T steps (...)", then "step K: loss ...".
  let p: LogProgress = { startStep: 0, done: false };
  let resumeStep = 0;
  for (const line of lines) {
    const resumed = /^resumed from .* at step (\d+)$/.exec(line.message);
    const start = /^([\w-]+): \d+ examples, (\d+) steps/.exec(line.message);
    const step = /^step (\d+): loss /.exec(line.message);
    if (resumed) resumeStep = Number(resumed[1]);
    else if (start) {
      p = { algorithm: start[1] as string, totalSteps: Number(start[2]), startStep: resumeStep, startMs: line.timeMs, done: false };
      resumeStep = 0;
    } else if (step) {
      p.lastStep = Number(step[1]);
      p.lastStepMs = line.timeMs;
    } else if (/^done: /.test(line.message)) p.done = true;
    if (line.level === 'ERROR') p.error = line.message;
    p.lastLineMs = line.timeMs;
  }
  return p;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined; // absent, or being rewritten: treat as not there yet
  }
}

interface ResolvedConfigView {
  training?: { max_steps?: unknown };
  logging?: { log_dir?: unknown };
}

function readResolvedConfig(dir: string): ResolvedConfigView | null {
  const path = join(dir, RESOLVED_CONFIG_FILE);
  if (!existsSync(path)) return null;
  try {
    return parseYaml(readFileSync(path, 'utf8')) as ResolvedConfigView | null;
  } catch {
    return null;
  }
}

function configMaxSteps(config: ResolvedConfigView | null): number | undefined {
  const maxSteps = config?.training?.max_steps;
  return typeof maxSteps === 'number' && maxSteps > 0 ? maxSteps : undefined;
}

/**
 * Where the run in `dir` writes metrics.jsonl and training.log: its resolved_config.yaml's
 * logging.log_dir when set (a relative one resolves against the working directory, as the
 * trainer did), else `dir` itself.
 */
export function runLogDir(dir: string): string {
  const logDir = readResolvedConfig(dir)?.logging?.log_dir;
  return typeof logDir === 'string' && logDir !== '' ? logDir : dir;
}

/** A snapshot of the run in `dir` as it stands now. */
export function readRun(dir: string, options: ReadRunOptions = {}): RunSnapshot {
  const now = (options.now ?? Date.now)();
  const config = readResolvedConfig(dir);
  const logDir = runLogDir(dir);
  const metricsPath = join(logDir, METRICS_FILE);
  const { rows, badLines } = existsSync(metricsPath) ? parseMetricsText(readFileSync(metricsPath, 'utf8')) : { rows: [], badLines: [] };
  const log = logProgress(readLog(join(logDir, TRAINING_LOG_FILE)));
  const statsJson = readJson(join(dir, TRAINING_STATS_FILE));
  const stats = statsJson !== null && typeof statsJson === 'object' ? (statsJson as TrainingStats) : undefined;
  const metricsStep = rows.reduce((m, r) => Math.max(m, r['step'] ?? 0), 0);
  const currentStep = Math.max(metricsStep, log.lastStep ?? 0);

  // training.log's last attempt first: a new run into an old output_dir leaves the old training_stats.json until it ends.
  const sources: Array<[TotalStepsSource, number | undefined]> = [
    ['option', options.totalSteps],
    ['training.log', log.totalSteps],
    ['training_stats.json', typeof stats?.['global_step'] === 'number' ? stats['global_step'] : undefined],
    ['resolved_config.yaml', configMaxSteps(config)],
  ];
  const total = sources.find(([, n]) => n !== undefined && n > 0);

  const status: RunStatus = log.error !== undefined && !log.done
    ? 'failed'
    : log.done || (log.startMs === undefined && stats !== undefined)
      ? 'finished'
      : rows.length > 0 || log.startMs !== undefined ? 'running' : 'waiting';

  const snapshot: RunSnapshot = { dir, logDir, rows, badLines, status, currentStep };
  if (log.algorithm !== undefined) snapshot.algorithm = log.algorithm;
  else if (typeof stats?.['algorithm'] === 'string') snapshot.algorithm = stats['algorithm'];
  if (status === 'failed' && log.error !== undefined) snapshot.error = log.error;
  if (total !== undefined) {
    snapshot.totalSteps = total[1] as number;
    snapshot.totalStepsSource = total[0];
  }
  if (stats !== undefined) snapshot.stats = stats;
  if (log.startMs !== undefined && log.lastStep !== undefined && log.lastStepMs !== undefined && log.lastStep > log.startStep) {
    snapshot.secondsPerStep = (log.lastStepMs - log.startMs) / 1000 / (log.lastStep - log.startStep);
    if (status === 'running' && snapshot.totalSteps !== undefined) snapshot.etaSeconds = Math.max(0, snapshot.totalSteps - currentStep) * snapshot.secondsPerStep;
  }
  const lastUpdateMs = log.lastLineMs ?? (existsSync(metricsPath) ? statSync(metricsPath).mtimeMs : undefined);
  if (lastUpdateMs !== undefined) snapshot.secondsSinceUpdate = Math.max(0, (now - lastUpdateMs) / 1000);
  return snapshot;
}
