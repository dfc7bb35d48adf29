/**
 * JSON Lines, streamed: one line in memory at a time, so a multi-GB file is fine.
 *
 * ```ts
 * for await (const { value, source } of readJsonl('train.jsonl')) console.log(source.line, value);
 * ```
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataError } from '../errors.js';
import type { RawRow } from './types.js';

/** Yields each non-blank line parsed as JSON; `source.line` is the 1-based line number in the file. */
export async function* readJsonl(file: string): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      const source = { file, line };
      try {
        yield { value: JSON.parse(text) as unknown, source };
      } catch (err) {
        // Only JSON.parse can throw here: a `yield` resumes normally or via return().
        yield { value: undefined, source, error: new DataError(source, `invalid JSON: ${(err as Error).message}`) };
      }
    }
  } finally {
    lines.close();
  }
}
