/**
 * Preference rows: `{prompt, chosen, rejected}` with strings or message lists, or TRL's
 * implicit-prompt form where `chosen` and `rejected` are whole conversations sharing a prefix.
 *
 * ```ts
 * parsePreference({ prompt: 'Sky?', chosen: 'Blue.', rejected: 'Green.' }, ctx);
 * // { kind: 'preference', prompt: 'Sky?', chosen: 'Blue.', rejected: 'Green.' }
 * ```
 */
import type { ChatMessage } from '../../tokenizers/index.js';
import type { PreferenceRecord } from '../records.js';
import { asObject, fail, has, requireField, requireNumber, type ParseContext } from './fields.js';
import { parseTextOrMessages } from './messages.js';

export function parsePreference(value: unknown, ctx: ParseContext): PreferenceRecord {
  const row = asObject(ctx, value);
  const chosen = parseTextOrMessages(ctx, requireField(ctx, row, 'chosen'), 'chosen', 'response');
  const rejected = parseTextOrMessages(ctx, requireField(ctx, row, 'rejected'), 'rejected', 'response');
  const record: PreferenceRecord = has(row, 'prompt') || typeof chosen === 'string' || typeof rejected === 'string'
    ? { kind: 'preference', prompt: parseTextOrMessages(ctx, requireField(ctx, row, 'prompt'), 'prompt', 'prompt'), chosen, rejected }
    : splitSharedPrompt(chosen, rejected, ctx);
  if (has(row, 'margin')) record.margin = requireNumber(ctx, row, 'margin');
  return record;
}

/**
 * TRL's implicit prompt: the messages both conversations share form the prompt, the rest are
 * the completions. (Same rule as TRL's `extract_prompt`.)
 */
export function splitSharedPrompt(chosen: ChatMessage[], rejected: ChatMessage[], ctx: ParseContext): PreferenceRecord {
  const shared = sharedPrefixLength(chosen, rejected);
  if (shared === 0) fail(ctx, 'prompt', "field 'prompt' is missing and 'chosen'/'rejected' share no leading messages to use as the prompt");
  if (shared === chosen.length || shared === rejected.length) {
    fail(ctx, 'chosen', "'chosen' and 'rejected' must differ after their shared prompt, but one ends where the other continues");
  }
  return { kind: 'preference', prompt: chosen.slice(0, shared), chosen: chosen.slice(shared), rejected: rejected.slice(shared) };
}

/** How many leading messages two conversations have in common (same role and content). */
export function sharedPrefixLength(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]?.role === b[i]?.role && a[i]?.content === b[i]?.content) i++;
  return i;
}
