/** What every reader yields: one raw row and where it came from. */
import type { DataError } from '../errors.js';
import type { RecordSource } from '../records.js';

export interface RawRow {
  /** The parsed JSON value (or Parquet row object); undefined when `error` is set. */
  value: unknown;
  source: RecordSource;
  /**
   * Set when the row itself could not be parsed (a JSONL line that is not JSON). Yielded
   * rather than thrown so that `onError: 'skip'` can skip the line and keep reading.
   */
  error?: DataError;
}

/** The file containers readers understand, chosen by extension. */
export type FileFormat = 'json' | 'jsonl' | 'parquet' | 'txt';
