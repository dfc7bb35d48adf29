/**
 * MOSS SFT rows (moss-003-sft-data): `{meta_instruction?, chat: {turn_1: {Human, MOSS, ...}, ...}}`
 * with texts like `"<|Human|>: hi<eoh>\n"` and `"<|MOSS|>: hello<eom>\n"`.
 *
 * ```ts
 * convertMoss({ chat: { turn_1: { Human: '<|Human|>: Hi<eoh>\n', MOSS: '<|MOSS|>: Hello<eom>\n' } } }, ctx);
 * // { kind: 'conversation', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }
 * ```
 * Tool-use columns (`Inner Thoughts`, `Commands`, `Tool Responses`) are dropped.
 */
import type { ChatMessage } from '../../tokenizers/index.js';
import { asObject, checkNotEmpty, checkString, fail, optionalString, requireField, type ParseContext } from '../formats/fields.js';
import type { ConversationRecord } from '../records.js';

export function convertMoss(value: unknown, ctx: ParseContext): ConversationRecord {
  const row = asObject(ctx, value);
  const chat = requireField(ctx, row, 'chat');
  const turns = Array.isArray(chat)
    ? chat.map((turn, i) => [`chat[${i}]`, turn] as const)
    : Object.entries(asObject(ctx, chat, 'chat'))
      .sort(([a], [b]) => turnNumber(a) - turnNumber(b))
      .map(([key, turn]) => [`chat.${key}`, turn] as const);
  if (turns.length === 0) fail(ctx, 'chat', "field 'chat' has no turns");
  const messages: ChatMessage[] = [];
  const system = optionalString(ctx, row, 'meta_instruction')?.trim();
  if (system !== undefined && system !== '') messages.push({ role: 'system', content: system });
  for (const [field, turn] of turns) {
    const entry = asObject(ctx, turn, field);
    const human = strip(speakerText(ctx, entry, field, 'Human'), 'Human', 'eoh');
    const moss = strip(speakerText(ctx, entry, field, 'MOSS'), 'MOSS', 'eom');
    messages.push({ role: 'user', content: checkNotEmpty(ctx, human, `${field}.Human`, 'prompt') });
    messages.push({ role: 'assistant', content: checkNotEmpty(ctx, moss, `${field}.MOSS`, 'response') });
  }
  return { kind: 'conversation', messages };
}

/** One speaker's text in a turn; errors name the full path (`chat.turn_2.MOSS`). */
function speakerText(ctx: ParseContext, entry: Record<string, unknown>, field: string, speaker: string): string {
  const path = `${field}.${speaker}`;
  const value = entry[speaker];
  if (value === undefined || value === null) fail(ctx, path, `field '${path}' is missing`);
  return checkString(ctx, value, path);
}

/** `<|Human|>: text<eoh>\n` → `text`. */
function strip(text: string, speaker: string, end: string): string {
  return text.replace(new RegExp(`^\\s*<\\|${speaker}\\|>:\\s?`), '').replace(new RegExp(`<${end}>\\s*$`), '').trim();
}

function turnNumber(key: string): number {
  const match = /(\d+)$/.exec(key);
  return match === null ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}
