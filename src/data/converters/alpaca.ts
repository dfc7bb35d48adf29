/**
 * BELLE and Alpaca-Chinese (alpaca-zh, alpaca_gpt4_zh) rows use Alpaca's
 * `{instruction, input, output}` columns, so both reuse the SFT validator's Alpaca path.
 *
 * ```ts
 * convertBelle({ instruction: '翻译成英文', input: '你好', output: 'Hello' }, ctx);
 * // { kind: 'sft', prompt: '翻译成英文\n\n你好', response: 'Hello' }
 * ```
 */
import { asObject, requireField, type ParseContext } from '../formats/fields.js';
import { parseSft } from '../formats/sft.js';
import type { SftRecord } from '../records.js';

/** Alpaca-style rows only: `{prompt, response}` rows are not BELLE/Alpaca, so `instruction` is required. */
export function convertAlpaca(value: unknown, ctx: ParseContext): SftRecord {
  requireField(ctx, asObject(ctx, value), 'instruction');
  return parseSft(value, ctx);
}

export const convertBelle = convertAlpaca;
export const convertAlpacaChinese = convertAlpaca;
