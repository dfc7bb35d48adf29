/**
 * Raw-text rows for pretraining: `{text}` in JSONL/JSON/Parquet (the Hugging Face datasets
 * convention), or a document of a `.txt` file (readers/text.ts yields those as `{text}` too).
 *
 * ```ts
 * parseText({ text: 'Once upon a time...' }, ctx); // { kind: 'text', text: 'Once upon a time...' }
 * ```
 */
import type { TextRecord } from '../records.js';
import { asObject, requireString, type ParseContext } from './fields.js';

export function parseText(value: unknown, ctx: ParseContext): TextRecord {
  return { kind: 'text', text: requireString(ctx, asObject(ctx, value), 'text') };
}
