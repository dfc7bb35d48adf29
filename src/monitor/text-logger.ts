/**
 * `training.log`: timestamped human-readable lines, INFO by default and DEBUG when verbose.
 * Each line is one synchronous append, so the log survives a crash.
 *
 * ```ts
 * const log = new TrainingLog('out', { verbose: true, echo: false });
 * log.info('step 10: loss 2.31'); log.debug('batch shapes [8, 512]');
 * ```
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const TRAINING_LOG_FILE = 'training.log';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface TrainingLogOptions {
  /** Write DEBUG lines too. Default false. */
  verbose?: boolean;
  /** Also print lines to stderr. Default false. */
  echo?: boolean;
}

export class TrainingLog {
  readonly path: string;
  private readonly verbose: boolean;
  private readonly echo: boolean;

  constructor(outputDir: string, options: TrainingLogOptions = {}) {
    mkdirSync(outputDir, { recursive: true });
    this.path = join(outputDir, TRAINING_LOG_FILE);
    this.verbose = options.verbose ?? false;
    this.echo = options.echo ?? false;
  }

  debug(message: string): void {
    if (this.verbose) this.write('DEBUG', message);
  }
  info(message: string): void {
    this.write('INFO', message);
  }
  warn(message: string): void {
    this.write('WARN', message);
  }
  error(message: string): void {
    this.write('ERROR', message);
  }

  private write(level: LogLevel, message: string): void {
    const line = `${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`;
    appendFileSync(this.path, line);
    if (this.echo) process.stderr.write(line);
  }
}
