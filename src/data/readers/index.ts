/**
 * File readers: JSON, JSONL (streamed) and Parquet, picked by extension.
 *
 * ```ts
 * for await (const row of readRows('data/train.jsonl')) console.log(row.source.line, row.value);
 * ```
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { DataError } from '../errors.js';
import { readJson } from './json.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { readText, type TextDocumentMode } from './text.js';
import type { FileFormat, RawRow } from './types.js';

export { readJson } from './json.js';
export { readJsonl } from './jsonl.js';
export { readParquet } from './parquet.js';
export { readText, TEXT_DOCUMENT_MODES } from './text.js';
export type { TextDocumentMode } from './text.js';
export type { FileFormat, RawRow } from './types.js';

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.txt': 'txt',
};

const READERS: Readonly<Record<FileFormat, (file: string, textDocuments: TextDocumentMode) => AsyncGenerator<RawRow>>> = {
  json: readJson,
  jsonl: readJsonl,
  parquet: readParquet,
  txt: readText,
};

/** The container format of a file, from its extension. */
export function detectFileFormat(file: string): FileFormat {
  const format = EXTENSIONS[extname(file).toLowerCase()];
  if (format === undefined) {
    throw new DataError({ file }, `unknown file extension '${extname(file)}'; expected one of ${Object.keys(EXTENSIONS).join(', ')}`);
  }
  return format;
}

/**
 * Streams a file's rows, checking first that it exists (so the error names the path, not an fd).
 * `textDocuments` cuts a `.txt` file into documents (one per line, or blank-line separated).
 */
export function readRows(file: string, format: FileFormat = detectFileFormat(file), textDocuments: TextDocumentMode = 'line'): AsyncGenerator<RawRow> {
  if (!existsSync(file)) throw new DataError({ file }, `no such file: ${file}`);
  if (!statSync(file).isFile()) throw new DataError({ file }, `not a file: ${file}`);
  return READERS[format](file, textDocuments);
}
