/**
 * Stepwise-supervision rows for process reward models (TRL's format):
 * `{prompt, completions: string[], labels: boolean[]}`, one label per step.
 *
 * ```ts
 * parseStepwise({ prompt: '1+1?', completions: ['1+1=2.', 'So 2.'], labels: [true, true] }, ctx);
 * ```
 */
import type { StepwiseRecord } from '../records.js';
import { asObject, checkNotEmpty, checkString, fail, requireArray, requireField, requireString, typeName, type ParseContext } from './fields.js';

export function parseStepwise(value: unknown, ctx: ParseContext): StepwiseRecord {
  const row = asObject(ctx, value);
  const prompt = checkNotEmpty(ctx, requireString(ctx, row, 'prompt'), 'prompt', 'prompt');
  const completions = requireArray(ctx, requireField(ctx, row, 'completions'), 'completions')
    .map((step, i) => checkNotEmpty(ctx, checkString(ctx, step, `completions[${i}]`), `completions[${i}]`, 'response'));
  if (completions.length === 0) fail(ctx, 'completions', "field 'completions' must not be an empty list");
  const labels = requireArray(ctx, requireField(ctx, row, 'labels'), 'labels').map((label, i) => {
    if (typeof label !== 'boolean') fail(ctx, `labels[${i}]`, `field 'labels[${i}]' must be a boolean, got ${typeName(label)}`);
    return label;
  });
  if (labels.length !== completions.length) {
    fail(ctx, 'labels', `field 'labels' must have one entry per completion (${completions.length}), got ${labels.length}`);
  }
  return { kind: 'stepwise', prompt, completions, labels };
}
