/**
 * Seeded, composable text augmentations for contrastive learning (two augmented views of one
 * text form a positive pair, as SimCLR does for images). Two levels:
 * - text (`augmentText`, `textAugmenter`): before tokenization, on words and CJK characters
 *   (units.ts), so one configuration works with any tokenizer; a mask is a string such as the
 *   tokenizer's `[MASK]`, which it then maps to one token id. This is what EDA-style and
 *   SimCLR-for-text recipes describe.
 * - token ids (`augmentTokenIds`, `tokenAugmenter`): on sub-word ids (CLEAR-style); the mask is a
 *   token id. Pass ids without special tokens and add [CLS]/[SEP] or BOS/EOS afterwards, so
 *   they are never dropped, swapped or masked.
 * The output is never empty unless the input is.
 *
 * ```ts
 * const augment = textAugmenter([{ type: 'random_delete', prob: 0.1 }, { type: 'random_mask', prob: 0.15 }], { seed: 42 });
 * const [view1, view2] = [augment(text), augment(text)]; // two views; the same pair for seed 42 every run
 * ```
 */
import { seededRandom } from '../collate/sampler.js';
import { randomCrop, randomDelete, randomMask, randomSwap } from './ops.js';
import { parseAugmentations, type Augmentation, type AugmentationInput } from './spec.js';
import { joinUnits, splitUnits, type TextUnit } from './units.js';

/** Applies `augmentations` in order to any unit list; `mask` turns a unit into the mask. */
function applyAll<T>(units: readonly T[], augmentations: readonly Augmentation[], random: () => number, mask: (unit: T, spec: Augmentation & { type: 'random_mask' }) => T): T[] {
  let out = [...units];
  for (const a of augmentations) {
    switch (a.type) {
      case 'random_mask':
        out = randomMask(out, a.prob, random, (u) => mask(u, a));
        break;
      case 'random_delete':
        out = randomDelete(out, a.prob, random);
        break;
      case 'random_swap':
        out = randomSwap(out, a.prob, a.mode, random);
        break;
      case 'random_crop':
        out = randomCrop(out, a.ratio, random);
        break;
      default: {
        const never: never = a;
        throw new TypeError(`unknown augmentation ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}

function textMask(spec: { mask: string | number }): string {
  if (typeof spec.mask !== 'string') {
    throw new TypeError(`random_mask: mask ${spec.mask} is a token id; text augmentation needs the mask as a string such as '[MASK]' (augmentTokenIds takes ids)`);
  }
  return spec.mask;
}

function idMask(spec: { mask: string | number }): number {
  if (typeof spec.mask !== 'number') {
    throw new TypeError(`random_mask: mask '${spec.mask}' is a string; token-id augmentation needs its id (tokenizer.tokenToId('${spec.mask}'))`);
  }
  return spec.mask;
}

/** `text` after `augmentations`, drawing from `random` (e.g. seededRandom(seed)). */
export function augmentText(text: string, augmentations: readonly AugmentationInput[], random: () => number): string {
  const list = parseAugmentations(augmentations);
  const units = splitUnits(text);
  if (units.length === 0) return text;
  return joinUnits(applyAll(units, list, random, (unit: TextUnit, spec) => ({ ...unit, text: textMask(spec), cjk: false })));
}

/** Token ids after `augmentations`; a random_mask needs `mask` as a token id. */
export function augmentTokenIds(ids: readonly number[], augmentations: readonly AugmentationInput[], random: () => number): number[] {
  const list = parseAugmentations(augmentations);
  return applyAll(ids, list, random, (_, spec) => idMask(spec));
}

export interface AugmenterOptions {
  /** Seeds the augmenter's own generator: the same seed gives the same sequence of views. Default 0. */
  seed?: number;
}

/** A function that augments text after text from one seeded stream; the list is validated once, here. */
export function textAugmenter(augmentations: readonly AugmentationInput[], options: AugmenterOptions = {}): (text: string) => string {
  const list = parseAugmentations(augmentations);
  for (const a of list) if (a.type === 'random_mask') textMask(a); // an id mask fails now, not on the first text
  const random = seededRandom(options.seed ?? 0);
  return (text) => augmentText(text, list, random);
}

/** The same over token ids. */
export function tokenAugmenter(augmentations: readonly AugmentationInput[], options: AugmenterOptions = {}): (ids: readonly number[]) => number[] {
  const list = parseAugmentations(augmentations);
  for (const a of list) if (a.type === 'random_mask') idMask(a); // a string mask fails now, not on the first text
  const random = seededRandom(options.seed ?? 0);
  return (ids) => augmentTokenIds(ids, list, random);
}
