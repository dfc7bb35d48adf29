/**
 * Conversation rows: `{messages: [{role, content}]}` or ShareGPT's `{conversations: [{from, value}]}`.
 *
 * ```ts
 * parseConversation({ conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] }, ctx);
 * // { kind: 'conversation', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }
 * ```
 */
import type { ConversationRecord } from '../records.js';
import { asObject, has, requireField, type ParseContext } from './fields.js';
import { parseMessages } from './messages.js';

export function parseConversation(value: unknown, ctx: ParseContext): ConversationRecord {
  const row = asObject(ctx, value);
  const field = !has(row, 'messages') && has(row, 'conversations') ? 'conversations' : 'messages';
  return { kind: 'conversation', messages: parseMessages(ctx, requireField(ctx, row, field), field) };
}
