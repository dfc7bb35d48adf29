/**
 * Prompt-only rows for online RL: `{prompt}` or `{messages}`, with an optional reference
 * answer under `reference`, `answer` (GSM8K) or `solution` (MATH).
 *
 * ```ts
 * parsePrompt({ prompt: '2+2?', answer: '4' }, ctx); // { kind: 'prompt', prompt: '2+2?', reference: '4' }
 * ```
 */
import type { PromptRecord } from '../records.js';
import { asObject, has, optionalString, requireField, type ParseContext } from './fields.js';
import { parseMessages, parseTextOrMessages } from './messages.js';

/** Column names a reference answer goes by in common sets, checked in this order. */
const REFERENCE_FIELDS = ['reference', 'answer', 'solution'] as const;

export function parsePrompt(value: unknown, ctx: ParseContext): PromptRecord {
  const row = asObject(ctx, value);
  const record: PromptRecord = {
    kind: 'prompt',
    prompt: !has(row, 'prompt') && has(row, 'messages')
      ? parseMessages(ctx, row.messages, 'messages')
      : parseTextOrMessages(ctx, requireField(ctx, row, 'prompt'), 'prompt', 'prompt'),
  };
  const field = REFERENCE_FIELDS.find((name) => has(row, name));
  if (field !== undefined) record.reference = optionalString(ctx, row, field);
  return record;
}
