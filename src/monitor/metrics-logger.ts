/**
 * Per-step training metrics: one JSON object a line in `metrics.jsonl` and, optionally,
 * TensorBoard scalars under `runs/`, both in the run's log dir (logging.log_dir, else output_dir). Lines are appended with a synchronous write each, so a
 * killed run keeps what it logged; resuming at step S drops lines with step > S first.
 *
 * ```ts
 * const metrics = new MetricsLogger('out', { resumeStep: 300 });
 * metrics.log({ step: 310, epoch: 0.5, loss: 1.9, lr: 2e-5, gradNorm: 0.8, metrics: { 'rewards/margin': 0.4 } });
 * metrics.close();
 * ```
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TensorBoardWriter } from './tensorboard.js';

export const METRICS_FILE = 'metrics.jsonl';
export const TENSORBOARD_DIR = 'runs';

export interface MetricsLoggerOptions {
  /** Also write TensorBoard event files under `<logDir>/runs`. Default true for a logger made by hand; training runs pass logging.tensorboard (default false). */
  tensorboard?: boolean;
  /** Step a resumed run starts from: existing lines with a larger step are removed. Default: none (plain append). */
  resumeStep?: number;
}

/** One logged step. The named fields become `step, epoch, loss, lr, grad_norm` in the JSON line. */
export interface StepMetrics {
  step: number;
  epoch?: number;
  loss?: number;
  lr?: number;
  gradNorm?: number;
  /** Any other scalars, written under their own names (`rewards/chosen`, `kl`, ...). */
  metrics?: Record<string, number>;
}

export class MetricsLogger {
  readonly path: string;
  private fd: number | undefined;
  private readonly tb: TensorBoardWriter | undefined;

  constructor(logDir: string, options: MetricsLoggerOptions = {}) {
    mkdirSync(logDir, { recursive: true });
    this.path = join(logDir, METRICS_FILE);
    if (options.resumeStep !== undefined) truncateMetricsAfter(this.path, options.resumeStep);
    this.fd = openSync(this.path, 'a');
    this.tb = (options.tensorboard ?? true) ? new TensorBoardWriter(join(logDir, TENSORBOARD_DIR)) : undefined;
  }

  /** Appends one line (and one TensorBoard event). Non-finite numbers are written as null in JSON. */
  log(entry: StepMetrics): void {
    if (this.fd === undefined) throw new Error(`MetricsLogger: ${this.path} is closed`);
    const row: Record<string, number> = { step: entry.step };
    if (entry.epoch !== undefined) row['epoch'] = entry.epoch;
    if (entry.loss !== undefined) row['loss'] = entry.loss;
    if (entry.lr !== undefined) row['lr'] = entry.lr;
    if (entry.gradNorm !== undefined) row['grad_norm'] = entry.gradNorm;
    Object.assign(row, entry.metrics);
    writeSync(this.fd, `${JSON.stringify(row)}\n`);
    if (this.tb !== undefined) {
      const scalars: Record<string, number> = {};
      for (const [key, value] of Object.entries(row)) if (key !== 'step') scalars[key.includes('/') ? key : `train/${key}`] = value;
      this.tb.addScalars(entry.step, scalars);
    }
  }

  /** Closes both files; idempotent. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.tb?.close();
  }
}

/** Reads metrics.jsonl back; an unparsable last line (a write cut off by a kill) is dropped. */
export function readMetrics(path: string): Array<Record<string, number | null>> {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const rows: Array<Record<string, number | null>> = [];
  lines.forEach((line, i) => {
    try {
      rows.push(JSON.parse(line) as Record<string, number | null>);
    } catch (err) {
      if (i !== lines.length - 1) throw new SyntaxError(`readMetrics: ${path} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
  });
  return rows;
}

/** Rewrites `path` keeping only lines with step <= `step` (and dropping a cut-off last line). */
export function truncateMetricsAfter(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readMetrics(path).filter((row) => typeof row['step'] === 'number' && row['step'] <= step);
  writeFileSync(path, kept.map((row) => `${JSON.stringify(row)}\n`).join(''));
}
