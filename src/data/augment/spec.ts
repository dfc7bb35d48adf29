/**
 * Text augmentations as configured: a list applied in order, e.g.
 *
 * ```yaml
 * augmentations:
 *   - { type: random_crop, ratio: 0.8 }
 *   - { type: random_delete, prob: 0.1 }
 *   - { type: random_mask, prob: 0.15, mask: '[MASK]' }
 * ```
 *
 * One schema gives the types, the defaults, the validation and the help text; a config section
 * can embed `z.array(Augmentation)` as it is.
 */
import { z } from 'zod';

export const AUGMENTATION_TYPES = ['random_mask', 'random_delete', 'random_swap', 'random_crop'] as const;
export type AugmentationType = (typeof AUGMENTATION_TYPES)[number];

export const SWAP_MODES = ['adjacent', 'random'] as const;
export type SwapMode = (typeof SWAP_MODES)[number];

const prob = (what: string) => z.number().min(0).max(1).describe(what);

export const Augmentation = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('random_mask'),
    prob: prob('Chance that each unit is replaced by the mask.'),
    mask: z
      .union([z.string().min(1), z.number().int().min(0)])
      .default('[MASK]')
      .describe("What replaces a unit: a string in text (the tokenizer's mask token, e.g. [MASK] or <mask>), a token id for token ids."),
  }),
  z.strictObject({
    type: z.literal('random_delete'),
    prob: prob('Chance that each unit is dropped (one unit always stays).'),
  }),
  z.strictObject({
    type: z.literal('random_swap'),
    prob: prob('Chance that each position swaps, left to right.'),
    mode: z.enum(SWAP_MODES).default('adjacent').describe('adjacent: with its right neighbour; random: with any other position (EDA).'),
  }),
  z.strictObject({
    type: z.literal('random_crop'),
    ratio: z.number().gt(0).max(1).describe('Fraction of the units kept, as one contiguous span at a random start.'),
  }),
]);
/** One augmentation with its defaults applied. */
export type Augmentation = z.infer<typeof Augmentation>;
/** One augmentation as written (defaults optional). */
export type AugmentationInput = z.input<typeof Augmentation>;

/** Validates a list of augmentations, or throws one RangeError quoting each bad entry and value. */
export function parseAugmentations(value: unknown): Augmentation[] {
  const parsed = z.array(Augmentation).safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const got = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
    return `augmentations${path}: ${issue.message}${got !== undefined && typeof got !== 'object' ? ` (got ${JSON.stringify(got)})` : ''}`;
  });
  throw new RangeError(`invalid text augmentations (types: ${AUGMENTATION_TYPES.join(', ')}):\n  ${lines.join('\n  ')}`);
}
