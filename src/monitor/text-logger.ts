/**
 * `training.log`: timestamped human-readable lines at or above a level (logging.level: debug,
 * info, warning or error; info by default). The same level filters the lines echoed to the
 * console. Each line is one synchronous append, so the log survives a crash.
 *
 * ```ts
 * const log = new TrainingLog('out', { level: 'warning', echo: true });
 * log.info('step 10: loss 2.31'); // dropped: below warning
 * log.warn('loss scale fell to 1');  // in training.log and on stderr
 * ```
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../config/schema/logging.js';

export const TRAINING_LOG_FILE = 'training.log';

/** How each level is written in a line (run-reader parses these). */
export const LOG_LINE_TAGS: Readonly<Record<LogLevel, string>> = { debug: 'DEBUG', info: 'INFO', warning: 'WARN', error: 'ERROR' };

export interface TrainingLogOptions {
  /** The lowest level written (file and console). Default 'info'. */
  level?: LogLevel;
  /** Shorthand for level 'debug' (used when `level` is not given). Default false. */
  verbose?: boolean;
  /** Also print lines to stderr. Default false. */
  echo?: boolean;
}

export class TrainingLog {
  readonly path: string;
  readonly level: LogLevel;
  private readonly echo: boolean;

  constructor(logDir: string, options: TrainingLogOptions = {}) {
    mkdirSync(logDir, { recursive: true });
    this.path = join(logDir, TRAINING_LOG_FILE);
    this.level = options.level ?? (options.verbose === true ? 'debug' : 'info');
    this.echo = options.echo ?? false;
  }

  /** Whether a line at `level` is written. */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level);
  }

  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warning', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  private write(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const line = `${new Date().toISOString()} ${LOG_LINE_TAGS[level].padEnd(5)} ${message}\n`;
    appendFileSync(this.path, line);
    if (this.echo) process.stderr.write(line);
  }
}
