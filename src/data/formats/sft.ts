/**
 * SFT rows: `{prompt, response}` or Alpaca's `{instruction, input, output}`.
 *
 * ```ts
 * parseSft({ instruction: 'Translate', input: 'chat', output: 'cat' }, ctx);
 * // { kind: 'sft', prompt: 'Translate\n\nchat', response: 'cat' }
 * ```
 */
import type { SftRecord } from '../records.js';
import { asObject, checkNotEmpty, has, optionalString, requireString, type ParseContext } from './fields.js';

export function parseSft(value: unknown, ctx: ParseContext): SftRecord {
  const row = asObject(ctx, value);
  const record: SftRecord = has(row, 'instruction') ? fromAlpaca(row, ctx) : {
    kind: 'sft',
    prompt: checkNotEmpty(ctx, requireString(ctx, row, 'prompt'), 'prompt', 'prompt'),
    response: checkNotEmpty(ctx, requireString(ctx, row, 'response'), 'response', 'response'),
  };
  const system = optionalString(ctx, row, 'system');
  if (system !== undefined) record.system = system;
  return record;
}

/** Alpaca joins the instruction and its optional input with a blank line, as its own prompt template does. */
function fromAlpaca(row: Record<string, unknown>, ctx: ParseContext): SftRecord {
  const instruction = checkNotEmpty(ctx, requireString(ctx, row, 'instruction'), 'instruction', 'prompt');
  const input = optionalString(ctx, row, 'input') ?? '';
  const output = checkNotEmpty(ctx, requireString(ctx, row, 'output'), 'output', 'response');
  return { kind: 'sft', prompt: input.trim() === '' ? instruction : `${instruction}\n\n${input}`, response: output };
}
