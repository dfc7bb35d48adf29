/**
 * Parquet through hyparquet (pure JS, no native build). Rows are read one row group at a
 * time, so memory holds a row group, not the file.
 *
 * ```ts
 * for await (const { value, source } of readParquet('train.parquet')) ...   // source.line = row + 1
 * ```
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { RawRow } from './types.js';

export async function* readParquet(file: string): AsyncGenerator<RawRow> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) {
      yield { value: plainNumbers(rows[i]), source: { file, line: rowStart + i + 1 } };
    }
    rowStart = rowEnd;
  }
}

/**
 * INT64 columns come back as BigInt; turn those that fit into plain numbers so validators
 * see what the same row would hold as JSON.
 */
function plainNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainNumbers(v)]));
  }
  return value;
}
