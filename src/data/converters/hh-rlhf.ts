/**
 * Anthropic HH-RLHF rows: `chosen` and `rejected` are whole transcripts,
 * `"\n\nHuman: ...\n\nAssistant: ..."`, that share every turn but the last reply.
 *
 * ```ts
 * convertHhRlhf({ chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Hi\n\nAssistant: Go away.' }, ctx);
 * // { kind: 'preference', prompt: [{ role: 'user', content: 'Hi' }],
 * //   chosen: [{ role: 'assistant', content: 'Hello!' }], rejected: [{ role: 'assistant', content: 'Go away.' }] }
 * ```
 */
import type { ChatMessage } from '../../tokenizers/index.js';
import { asObject, checkNotEmpty, fail, requireString, type ParseContext } from '../formats/fields.js';
import { sharedPrefixLength } from '../formats/preference.js';
import type { PreferenceRecord } from '../records.js';

const TURN = /\n\n(Human|Assistant): ?/g;

export function convertHhRlhf(value: unknown, ctx: ParseContext): PreferenceRecord {
  const row = asObject(ctx, value);
  const chosen = parseTranscript(requireString(ctx, row, 'chosen'), 'chosen', ctx);
  const rejected = parseTranscript(requireString(ctx, row, 'rejected'), 'rejected', ctx);
  // Split before the last assistant turn both share the history of: the prompt ends on a
  // user turn, and each side's completion starts with the assistant reply that differs.
  let split = sharedPrefixLength(chosen, rejected);
  if (split === chosen.length && split === rejected.length) split--;
  while (split > 0 && chosen[split]?.role !== 'assistant') split--;
  if (split === 0 || rejected[split]?.role !== 'assistant') {
    fail(ctx, 'chosen', "'chosen' and 'rejected' share no Human turn before an Assistant reply");
  }
  return { kind: 'preference', prompt: chosen.slice(0, split), chosen: chosen.slice(split), rejected: rejected.slice(split) };
}

/** `"\n\nHuman: a\n\nAssistant: b"` → user/assistant messages (text before the first marker is dropped). */
export function parseTranscript(text: string, field: string, ctx: ParseContext): ChatMessage[] {
  const markers = [...text.matchAll(TURN)];
  if (markers.length === 0) fail(ctx, field, `field '${field}' has no "\\n\\nHuman:" or "\\n\\nAssistant:" turns`);
  return markers.map((match, i) => {
    const start = match.index + match[0].length;
    const content = text.slice(start, markers[i + 1]?.index ?? text.length).trim();
    const role = match[1] === 'Human' ? 'user' : 'assistant';
    // The final reply is what the pair is about, so an empty one is an error; earlier empty turns occur in the raw data.
    if (i === markers.length - 1 && role === 'assistant') checkNotEmpty(ctx, content, field, 'response');
    return { role, content };
  });
}
