/** Text augmentations for contrastive learning: words/CJK characters or token ids, seeded and composable. */
export { augmentText, augmentTokenIds, textAugmenter, tokenAugmenter } from './augment.js';
export type { AugmenterOptions } from './augment.js';
export { Augmentation, AUGMENTATION_TYPES, parseAugmentations, SWAP_MODES } from './spec.js';
export type { AugmentationInput, AugmentationType, SwapMode } from './spec.js';
export { randomCrop, randomDelete, randomMask, randomSwap } from './ops.js';
export { joinUnits, splitUnits } from './units.js';
export type { TextUnit } from './units.js';
