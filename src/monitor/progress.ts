/**
 * The training progress bar: step/total, loss, lr, samples/s and ETA, drawn with cli-progress
 * on a TTY and as plain lines (at most one per `plainIntervalMs`, plus the last) otherwise, so
 * logs captured by a scheduler stay readable.
 *
 * ```ts
 * const bar = new TrainingProgress(1000);
 * bar.update(step, { loss, lr, samples: batchSize });
 * bar.stop();
 * ```
 */
import { Presets, SingleBar } from 'cli-progress';

export interface TrainingProgressOptions {
  /** Where to draw. Default process.stdout. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Draw a bar (true) or plain lines (false). Default: whether `stream` is a TTY. */
  tty?: boolean;
  /** Minimum milliseconds between plain lines. Default 10 000. */
  plainIntervalMs?: number;
  /** Step the run starts from (a resumed run); rates count only steps taken here. Default 0. */
  startStep?: number;
  /** Clock in milliseconds, for tests. Default Date.now. */
  now?: () => number;
}

/** What one update reports besides the step. */
export interface ProgressValues {
  loss?: number;
  lr?: number;
  /** Samples processed by this step (added to the running count for samples/s). */
  samples?: number;
}

/** Seconds as `1h02m03s` / `2m03s` / `3s`; `?` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** The plain-line form: `step 10/100 (10%) | loss 2.3100 | lr 1.00e-4 | 12.5 samples/s | eta 1m12s`. */
export function formatProgressLine(step: number, total: number, v: ProgressValues & { samplesPerSec?: number; etaSec?: number }): string {
  const parts = [`step ${step}/${total} (${total > 0 ? Math.floor((100 * step) / total) : 0}%)`];
  if (v.loss !== undefined) parts.push(`loss ${v.loss.toFixed(4)}`);
  if (v.lr !== undefined) parts.push(`lr ${v.lr.toExponential(2)}`);
  if (v.samplesPerSec !== undefined) parts.push(`${v.samplesPerSec.toFixed(1)} samples/s`);
  if (v.etaSec !== undefined) parts.push(`eta ${formatDuration(v.etaSec)}`);
  return parts.join(' | ');
}

export class TrainingProgress {
  private readonly total: number;
  private readonly stream: NodeJS.WritableStream;
  private readonly bar: SingleBar | undefined;
  private readonly plainIntervalMs: number;
  private readonly startStep: number;
  private readonly now: () => number;
  private readonly startMs: number;
  private samples = 0;
  private lastPlainMs = -Infinity;
  private lastLine = '';

  constructor(total: number, options: TrainingProgressOptions = {}) {
    this.total = total;
    this.stream = options.stream ?? process.stdout;
    this.plainIntervalMs = options.plainIntervalMs ?? 10_000;
    this.startStep = options.startStep ?? 0;
    this.now = options.now ?? Date.now;
    this.startMs = this.now();
    const tty = options.tty ?? (options.stream ?? process.stdout).isTTY === true;
    if (tty) {
      this.bar = new SingleBar(
        { format: '{bar} {value}/{total} | loss {loss} | lr {lr} | {sps} samples/s | eta {eta_formatted}', stream: this.stream, hideCursor: true, etaBuffer: 50, noTTYOutput: true },
        Presets.shades_classic,
      );
      this.bar.start(total, this.startStep, { loss: '-', lr: '-', sps: '-' });
    }
  }

  /** Reports that `step` is done. */
  update(step: number, values: ProgressValues = {}): void {
    this.samples += values.samples ?? 0;
    const elapsedSec = (this.now() - this.startMs) / 1000;
    const done = step - this.startStep;
    const samplesPerSec = elapsedSec > 0 && this.samples > 0 ? this.samples / elapsedSec : undefined;
    const etaSec = elapsedSec > 0 && done > 0 ? ((this.total - step) * elapsedSec) / done : undefined;
    if (this.bar !== undefined) {
      this.bar.update(step, {
        loss: values.loss?.toFixed(4) ?? '-',
        lr: values.lr?.toExponential(2) ?? '-',
        sps: samplesPerSec?.toFixed(1) ?? '-',
      });
      return;
    }
    this.lastLine = formatProgressLine(step, this.total, { ...values, samplesPerSec, etaSec });
    const nowMs = this.now();
    if (nowMs - this.lastPlainMs >= this.plainIntervalMs || step >= this.total) {
      this.stream.write(`${this.lastLine}\n`);
      this.lastPlainMs = nowMs;
      this.lastLine = '';
    }
  }

  /** Stops the bar, or prints the last plain line if it was throttled. */
  stop(): void {
    if (this.bar !== undefined) this.bar.stop();
    else if (this.lastLine !== '') this.stream.write(`${this.lastLine}\n`);
    this.lastLine = '';
  }
}
