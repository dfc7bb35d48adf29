/**
 * Loads a dataset file into typed records.
 *
 * ```ts
 * const { records, skipped } = await loadDataset('data/train.jsonl', { format: 'sft', onError: 'skip' });
 * if (skipped.length > 0) console.warn(`skipped ${skipped.length} rows, first at line ${skipped[0]!.line}`);
 * ```
 */
import { CONVERTERS, type ConverterName } from './converters/index.js';
import { DataError } from './errors.js';
import { FORMAT_PARSERS, type ParseOptions, type RecordParser } from './formats/index.js';
import { readRows, type FileFormat } from './readers/index.js';
import type { DataKind, DataRecord } from './records.js';
import { setOrigin } from './origin.js';

/** What to do with a row that fails validation (data.on_error): stop, or skip it and report file:line. */
export const ON_ERROR = ['fail', 'skip'] as const;
export type OnError = (typeof ON_ERROR)[number];

export interface LoadOptions<K extends DataKind> extends ParseOptions {
  /** The record kind every row must validate as. */
  format: K;
  /** 'fail' (default) throws on the first bad row; 'skip' drops it and lists it in `skipped`. */
  onError?: OnError;
  /** Read rows through a public-dataset converter instead of the plain `format` validator; its output kind must equal `format`. */
  converter?: ConverterName;
  /** The file container; default: from the extension (.json, .jsonl, .parquet). */
  fileFormat?: FileFormat;
  /**
   * Where skipped rows are reported (file:line and the reason, one line each); default stderr.
   * `null` leaves reporting to the caller (`rlhf data validate` prints its own table).
   */
  reportSkipped?: ((line: string) => void) | null;
}

/** At most this many skipped rows are listed one by one; the rest are counted. */
const LISTED_SKIPS = 10;

/** A row left out under `onError: 'skip'`. */
export interface SkippedRow {
  line: number;
  /** The error without its `file:line:` prefix. */
  message: string;
}

export interface LoadResult<R extends DataRecord> {
  records: R[];
  skipped: SkippedRow[];
}

/** Reads, validates and collects every row; throws `DataError` for a file with no valid records. */
export async function loadDataset<K extends DataKind>(path: string, options: LoadOptions<K>): Promise<LoadResult<Extract<DataRecord, { kind: K }>>> {
  type R = Extract<DataRecord, { kind: K }>;
  const parse = chooseParser(options) as RecordParser<R>;
  const records: R[] = [];
  const skipped: SkippedRow[] = [];
  for await (const row of readRows(path, options.fileFormat)) {
    try {
      if (row.error !== undefined) throw row.error;
      const record = parse(row.value, { source: row.source, options });
      setOrigin(record, { file: path, line: row.source.line });
      records.push(record);
    } catch (err) {
      if (!(err instanceof DataError) || options.onError !== 'skip') throw err;
      skipped.push({ line: row.source.line, message: err.detail });
    }
  }
  if (records.length === 0) {
    const why = skipped.length > 0 ? ` (all ${skipped.length} rows skipped; first at line ${skipped[0]?.line}: ${skipped[0]?.message})` : '';
    throw new DataError({ file: path }, `no records in ${path}${why}`);
  }
  const report = options.reportSkipped === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.reportSkipped;
  if (report !== null && skipped.length > 0) {
    report(`data.on_error skip: skipped ${skipped.length} of ${records.length + skipped.length} rows of ${path}`);
    for (const row of skipped.slice(0, LISTED_SKIPS)) report(`  ${path}:${row.line}: ${row.message}`);
    if (skipped.length > LISTED_SKIPS) report(`  ... and ${skipped.length - LISTED_SKIPS} more (rlhf data validate ${path} lists them all)`);
  }
  return { records, skipped };
}

function chooseParser<K extends DataKind>(options: LoadOptions<K>): RecordParser {
  if (options.converter === undefined) return FORMAT_PARSERS[options.format] as RecordParser;
  const converter = CONVERTERS[options.converter];
  if (converter.kind !== options.format) {
    throw new Error(`converter '${options.converter}' produces '${converter.kind}' records, but format is '${options.format}'`);
  }
  return converter.convert;
}
