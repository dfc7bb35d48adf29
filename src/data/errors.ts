/**
 * The one error type of the data layer: every bad record, bad file or bad option throws a
 * `DataError` whose message starts with `file:line:` so an editor can jump straight to it.
 *
 * ```ts
 * throw new DataError({ file: 'train.jsonl', line: 7 }, "field 'response' is missing", 'response');
 * // DataError: train.jsonl:7: field 'response' is missing
 * ```
 */
import type { RecordSource } from './records.js';

export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file at fault. */
  readonly file: string;
  /** 1-based line/row, or undefined for whole-file problems (missing file, unknown extension). */
  readonly line: number | undefined;

  constructor(
    where: RecordSource | { file: string; line?: undefined },
    /** The message without the `file:line:` prefix; kept for skip reports. */
    readonly detail: string,
    /** The field at fault (`messages[2].content`), when there is one. */
    readonly field?: string,
  ) {
    super(`${where.line === undefined ? where.file : `${where.file}:${where.line}`}: ${detail}`);
    this.file = where.file;
    this.line = where.line;
  }
}
