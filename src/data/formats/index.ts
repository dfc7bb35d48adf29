/**
 * Per-format validators: raw JSON rows in, typed records out, `DataError` with `file:line`
 * and the field otherwise.
 *
 * ```ts
 * const record = parseRecord('sft', { prompt: 'Hi', response: 'Hello' }, { file: 'a.jsonl', line: 1 });
 * ```
 */
import type { DataKind, DataRecord, RecordSource } from '../records.js';
import { parseConversation } from './conversation.js';
import type { ParseContext, ParseOptions } from './fields.js';
import { parseLatent } from './latent.js';
import { parsePair } from './pair.js';
import { parsePreference } from './preference.js';
import { parsePrompt } from './prompt.js';
import { parseSft } from './sft.js';
import { parseStepwise } from './stepwise.js';
import { parseTeacherStudent } from './teacher-student.js';
import { parseText } from './text.js';
import { parseUnpairedPreference } from './unpaired-preference.js';

export { parseConversation } from './conversation.js';
export { typeName } from './fields.js';
export type { ParseContext, ParseOptions } from './fields.js';
export { loadLatentMatrix, parseLatent } from './latent.js';
export { parseMessages, parseTextOrMessages } from './messages.js';
export { parsePair } from './pair.js';
export { parsePreference, sharedPrefixLength, splitSharedPrompt } from './preference.js';
export { parsePrompt } from './prompt.js';
export { parseSft } from './sft.js';
export { parseStepwise } from './stepwise.js';
export { parseTeacherStudent } from './teacher-student.js';
export { parseText } from './text.js';
export { parseUnpairedPreference } from './unpaired-preference.js';

/** Turns one raw row into a record of a given kind, or throws a `DataError`. */
export type RecordParser<R extends DataRecord = DataRecord> = (value: unknown, ctx: ParseContext) => R;

/** The validator for each dataset kind. */
export const FORMAT_PARSERS: { readonly [K in DataKind]: RecordParser<Extract<DataRecord, { kind: K }>> } = {
  sft: parseSft,
  conversation: parseConversation,
  preference: parsePreference,
  unpaired_preference: parseUnpairedPreference,
  prompt: parsePrompt,
  stepwise: parseStepwise,
  teacher_student: parseTeacherStudent,
  latent: parseLatent,
  text: parseText,
  pair: parsePair,
};

/** Validates one row as `kind`. */
export function parseRecord<K extends DataKind>(
  kind: K, value: unknown, source: RecordSource, options: ParseOptions = {},
): Extract<DataRecord, { kind: K }> {
  const parser = FORMAT_PARSERS[kind] as RecordParser<Extract<DataRecord, { kind: K }>>;
  return parser(value, { source, options });
}
