/**
 * Unpaired preference rows (TRL's unpaired preference format, what KTOTrainer reads):
 * `{prompt, completion, label}` with strings or message lists and a boolean label, true for a
 * desirable completion.
 *
 * ```ts
 * parseUnpairedPreference({ prompt: 'Sky?', completion: 'Blue.', label: true }, ctx);
 * // { kind: 'unpaired_preference', prompt: 'Sky?', completion: 'Blue.', label: true }
 * ```
 */
import type { UnpairedPreferenceRecord } from '../records.js';
import { asObject, fail, requireField, typeName, type ParseContext } from './fields.js';
import { parseTextOrMessages } from './messages.js';

export function parseUnpairedPreference(value: unknown, ctx: ParseContext): UnpairedPreferenceRecord {
  const row = asObject(ctx, value);
  const label = requireField(ctx, row, 'label');
  if (typeof label !== 'boolean') fail(ctx, 'label', `field 'label' must be true (desirable) or false (undesirable), got ${typeName(label)}${typeof label === 'number' || typeof label === 'string' ? ` ${JSON.stringify(label)}` : ''}`);
  return {
    kind: 'unpaired_preference',
    prompt: parseTextOrMessages(ctx, requireField(ctx, row, 'prompt'), 'prompt', 'prompt'),
    completion: parseTextOrMessages(ctx, requireField(ctx, row, 'completion'), 'completion', 'response'),
    label,
  };
}
