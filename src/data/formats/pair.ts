/**
 * Given positive pairs for contrastive learning, as sentence-transformers' datasets write them:
 * `{anchor, positive}` with an optional hard `negative` (a text close to the anchor that must
 * rank below its positive). All three are non-empty strings.
 *
 * ```ts
 * parsePair({ anchor: 'How old is the sun?', positive: 'The sun is 4.6 billion years old.' }, ctx);
 * // { kind: 'pair', anchor: 'How old is the sun?', positive: 'The sun is 4.6 billion years old.' }
 * ```
 */
import type { PairRecord } from '../records.js';
import { asObject, checkString, fail, has, type ParseContext } from './fields.js';

const SHAPE = 'a pair row is {"anchor": "...", "positive": "..."} with an optional "negative"';

function text(ctx: ParseContext, row: Record<string, unknown>, field: 'anchor' | 'positive' | 'negative'): string {
  if (!has(row, field)) fail(ctx, field, `field '${field}' is missing; ${SHAPE}, got fields ${Object.keys(row).map((k) => `'${k}'`).join(', ') || 'none'}`);
  const value = checkString(ctx, row[field], field);
  if (!ctx.options.allowEmpty && value.trim() === '') fail(ctx, field, `empty text in field '${field}'`);
  return value;
}

export function parsePair(value: unknown, ctx: ParseContext): PairRecord {
  const row = asObject(ctx, value);
  const record: PairRecord = { kind: 'pair', anchor: text(ctx, row, 'anchor'), positive: text(ctx, row, 'positive') };
  if (has(row, 'negative')) record.negative = text(ctx, row, 'negative');
  return record;
}
