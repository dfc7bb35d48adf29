/**
 * Where a record or the example tokenized from it came from (`file:line`), kept beside the
 * object rather than in it, so records and examples keep TRL's field layout. Error messages
 * about a training step (an index out of range in the embedding, a label beyond the
 * vocabulary) name the line to look at.
 *
 * ```ts
 * setOrigin(record, { file: 'train.jsonl', line: 12 });
 * const example = withOrigin(record, tokenizeSft(tok, record));
 * formatOrigin(originOf(example)); // 'train.jsonl:12'
 * ```
 */
import type { RecordSource } from './records.js';

const origins = new WeakMap<object, RecordSource>();

export function setOrigin(value: object, source: RecordSource): void {
  origins.set(value, source);
}

export function originOf(value: unknown): RecordSource | undefined {
  return value !== null && typeof value === 'object' ? origins.get(value) : undefined;
}

/** `to`, carrying `from`'s origin (when it has one). */
export function withOrigin<T extends object>(from: object, to: T): T {
  const source = origins.get(from);
  if (source !== undefined) origins.set(to, source);
  return to;
}

export const formatOrigin = (source: RecordSource | undefined): string | null => (source === undefined ? null : `${source.file}:${source.line}`);
