/**
 * SFT rows in TRL's formats: prompt/completion (`completion`, or this project's `response`),
 * strings or message lists; language modelling `{text}` or `{messages}` (ShareGPT
 * `{conversations}` too); and Alpaca's `{instruction, input, output}`.
 *
 * ```ts
 * parseSft({ instruction: 'Translate', input: 'chat', output: 'cat' }, ctx);
 * // { kind: 'sft', prompt: 'Translate\n\nchat', response: 'cat' }
 * parseSft({ text: 'Once upon a time' }, ctx); // { kind: 'sft', prompt: null, response: 'Once upon a time' }
 * ```
 */
import type { SftRecord } from '../records.js';
import { asObject, checkNotEmpty, fail, has, optionalString, requireField, requireString, type ParseContext } from './fields.js';
import { parseMessages, parseTextOrMessages } from './messages.js';

export function parseSft(value: unknown, ctx: ParseContext): SftRecord {
  const row = asObject(ctx, value);
  if (has(row, 'instruction')) return withSystem(fromAlpaca(row, ctx), row, ctx);
  if (!has(row, 'prompt')) return languageModeling(row, ctx);
  const field = has(row, 'completion') ? 'completion' : 'response';
  const record: SftRecord = {
    kind: 'sft',
    prompt: parseTextOrMessages(ctx, row.prompt, 'prompt', 'prompt'),
    response: parseTextOrMessages(ctx, requireCompletion(row, ctx, field), field, 'response'),
  };
  return withSystem(record, row, ctx);
}

function requireCompletion(row: Record<string, unknown>, ctx: ParseContext, field: string): unknown {
  if (!has(row, field)) fail(ctx, field, `field '${field}' is missing`);
  return row[field];
}

/** `{text}` (plain language modelling) or `{messages}` / `{conversations}` (a whole conversation). */
function languageModeling(row: Record<string, unknown>, ctx: ParseContext): SftRecord {
  if (has(row, 'text')) return { kind: 'sft', prompt: null, response: checkNotEmpty(ctx, requireString(ctx, row, 'text'), 'text', 'response') };
  const field = has(row, 'messages') ? 'messages' : has(row, 'conversations') ? 'conversations' : undefined;
  if (field === undefined) {
    fail(ctx, 'prompt', "an sft row needs 'prompt' and 'completion' (or 'response'), 'text', 'messages', or Alpaca's 'instruction'/'output'");
  }
  return { kind: 'sft', prompt: null, response: parseMessages(ctx, requireField(ctx, row, field), field) };
}

/** `system` leads a plain-text prompt; with message lists the system turn belongs in the list. */
function withSystem(record: SftRecord, row: Record<string, unknown>, ctx: ParseContext): SftRecord {
  const system = optionalString(ctx, row, 'system');
  if (system === undefined) return record;
  if (typeof record.prompt !== 'string') fail(ctx, 'system', "field 'system' goes with a plain-text prompt; put a {role: 'system'} message in the list instead");
  record.system = system;
  return record;
}

/** Alpaca joins the instruction and its optional input with a blank line, as its own prompt template does. */
function fromAlpaca(row: Record<string, unknown>, ctx: ParseContext): SftRecord {
  const instruction = checkNotEmpty(ctx, requireString(ctx, row, 'instruction'), 'instruction', 'prompt');
  const input = optionalString(ctx, row, 'input') ?? '';
  const output = checkNotEmpty(ctx, requireString(ctx, row, 'output'), 'output', 'response');
  return { kind: 'sft', prompt: input.trim() === '' ? instruction : `${instruction}\n\n${input}`, response: output };
}
