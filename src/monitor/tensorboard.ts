/**
 * A TensorBoard scalar writer: `events.out.tfevents.<time>.<host>` in `logDir`, readable by
 * `tensorboard --logdir`. Every record is written with one synchronous write, so a killed run
 * keeps every scalar logged before it died.
 *
 * ```ts
 * const tb = new TensorBoardWriter('out/runs');
 * tb.addScalars(10, { 'train/loss': 2.31, 'train/lr': 1e-4 });
 * tb.close();
 * ```
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeEvent } from './event-proto.js';
import { encodeTfRecord } from './tfrecord.js';

export class TensorBoardWriter {
  /** The event file's full path. */
  readonly path: string;
  private fd: number | undefined;

  constructor(logDir: string) {
    mkdirSync(logDir, { recursive: true });
    const now = Date.now() / 1000;
    this.path = join(logDir, `events.out.tfevents.${Math.floor(now)}.${hostname()}`);
    this.fd = openSync(this.path, 'a');
    this.writeEvent(encodeEvent({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' }));
  }

  /** Logs one scalar at `step`. */
  addScalar(tag: string, value: number, step: number): void {
    this.addScalars(step, { [tag]: value });
  }

  /** Logs several scalars at `step` in one Event; non-finite values are kept (TensorBoard shows NaN). */
  addScalars(step: number, scalars: Record<string, number>): void {
    if (Object.keys(scalars).length === 0) return;
    this.writeEvent(encodeEvent({ wallTime: Date.now() / 1000, step, scalars }));
  }

  /** Closes the file; idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private writeEvent(data: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`TensorBoardWriter: ${this.path} is closed`);
    writeSync(this.fd, encodeTfRecord(data));
  }
}
