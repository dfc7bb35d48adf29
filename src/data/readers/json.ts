/**
 * A JSON file holding an array of rows, or `{"data": [...]}` (the layout of many dataset
 * repos). Read whole: JSON cannot be split safely without a streaming parser, so large
 * sets should be JSONL or Parquet.
 *
 * ```ts
 * for await (const { value, source } of readJson('train.json')) ...   // source.line = index + 1
 * ```
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { RawRow } from './types.js';

export async function* readJson(file: string): AsyncGenerator<RawRow> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new DataError({ file }, `invalid JSON: ${err.message}`);
    throw err;
  }
  const rows = Array.isArray(parsed) ? parsed : dataArray(parsed);
  if (rows === undefined) throw new DataError({ file }, 'expected a JSON array of rows or an object {"data": [...]}');
  for (let i = 0; i < rows.length; i++) yield { value: rows[i], source: { file, line: i + 1 } };
}

function dataArray(parsed: unknown): unknown[] | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const data = (parsed as Record<string, unknown>).data;
  return Array.isArray(data) ? data : undefined;
}
