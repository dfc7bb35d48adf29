/**
 * Chat message lists: OpenAI-style `{role, content}` and ShareGPT-style `{from, value}`,
 * both normalised to `{role, content}` with roles user/assistant/system/tool.
 */
import type { ChatMessage } from '../../tokenizers/index.js';
import { asObject, checkNotEmpty, checkString, fail, has, requireArray, typeName, type ParseContext } from './fields.js';

/** ShareGPT's speaker names and the chat-template roles they mean. */
const SHAREGPT_ROLES: Readonly<Record<string, string>> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
  tool: 'tool',
};
const ROLES = new Set(['user', 'assistant', 'system', 'tool']);

/**
 * Checks a message list field. Assistant turns must be non-empty ("empty response") and user
 * turns too ("empty prompt"), unless `allowEmpty`.
 *
 * ```ts
 * parseMessages(ctx, [{ from: 'human', value: 'Hi' }], 'conversations'); // [{ role: 'user', content: 'Hi' }]
 * ```
 */
export function parseMessages(ctx: ParseContext, value: unknown, field: string): ChatMessage[] {
  const items = requireArray(ctx, value, field);
  if (items.length === 0) fail(ctx, field, `field '${field}' must not be an empty list`);
  return items.map((item, i) => parseMessage(ctx, item, `${field}[${i}]`));
}

function parseMessage(ctx: ParseContext, item: unknown, field: string): ChatMessage {
  const message = asObject(ctx, item, field);
  let role: string;
  let content: string;
  if (has(message, 'from') && !has(message, 'role')) {
    const from = checkString(ctx, message.from, `${field}.from`);
    const mapped = SHAREGPT_ROLES[from];
    if (mapped === undefined) {
      fail(ctx, `${field}.from`, `field '${field}.from' must be one of ${Object.keys(SHAREGPT_ROLES).join(', ')}, got '${from}'`);
    }
    role = mapped;
    content = checkString(ctx, requireIn(ctx, message, 'value', field), `${field}.value`);
  } else {
    role = checkString(ctx, requireIn(ctx, message, 'role', field), `${field}.role`);
    if (!ROLES.has(role)) fail(ctx, `${field}.role`, `field '${field}.role' must be one of ${[...ROLES].join(', ')}, got '${role}'`);
    content = checkString(ctx, requireIn(ctx, message, 'content', field), `${field}.content`);
  }
  const contentField = `${field}.${has(message, 'value') && !has(message, 'content') ? 'value' : 'content'}`;
  if (role === 'assistant') checkNotEmpty(ctx, content, contentField, 'response');
  if (role === 'user') checkNotEmpty(ctx, content, contentField, 'prompt');
  return { role, content };
}

function requireIn(ctx: ParseContext, message: Record<string, unknown>, key: string, field: string): unknown {
  if (!has(message, key)) fail(ctx, `${field}.${key}`, `field '${field}.${key}' is missing`);
  return message[key];
}

/** A prompt or completion that may be plain text or a message list (TRL's standard vs conversational forms). */
export function parseTextOrMessages(ctx: ParseContext, value: unknown, field: string, role: 'prompt' | 'response'): string | ChatMessage[] {
  if (typeof value === 'string') return checkNotEmpty(ctx, value, field, role);
  if (Array.isArray(value)) return parseMessages(ctx, value, field);
  return fail(ctx, field, `field '${field}' must be a string or a list of messages, got ${typeName(value)}`);
}
