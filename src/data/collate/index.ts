/**
 * Records to token ids (TRL's tokenization semantics) and token ids to padded tensors.
 * See docs/collators.md.
 *
 * ```ts
 * const examples = records.map((r) => tokenizeSft(tok, r, { maxLength: 1024 }));
 * for (const idx of lengthGroupedBatches(examples.map((e) => e.inputIds.length), { batchSize: 8, seed: 0 })) {
 *   const batch = collateCompletions(idx.map((i) => examples[i]!), { padTokenId: padIdOf(tok) });
 *   // ... train, then dispose(batch)
 * }
 * ```
 */
export { CHAT_TEMPLATE_MODES, IGNORE_INDEX } from './types.js';
export type {
  ChatTemplateMode,
  PreferenceExample,
  UnpairedPreferenceExample,
  PromptExample,
  TeacherStudentExample,
  TokenizedExample,
  TokenizeOptions,
  TruncationMode,
} from './types.js';
export { tokenizeSft, tokenizePrompt, tokenizeTeacherStudent } from './sft.js';
export { tokenizeConversation } from './conversation.js';
export type { ConversationOptions } from './conversation.js';
export { tokenizePreference } from './preference.js';
export { tokenizeStepwise } from './stepwise.js';
export type { StepwiseOptions } from './stepwise.js';
export { PrefixStabilityError, renderPromptCompletion } from './chat.js';
export { checkChatTemplateMode, encodePromptCompletion, parseChatTemplateMode, isConversational, usesChatTemplate, withEos } from './plain-text.js';
export { maskedLabels } from './example.js';
export { truncatePair, truncatePrompt } from './truncate.js';
export type { TruncatedPair } from './truncate.js';
export { padTo, paddedLength, padIdOf } from './pad.js';
export type { PaddingOptions } from './pad.js';
export {
  collateCompletionRows,
  collateCompletions,
  collatePreferenceRows,
  collatePreference,
  collatePromptRows,
  collatePrompts,
  collatePromptCompletions,
  promptCompletionRows,
} from './collators.js';
export type { CollateOptions, CompletionBatch, CompletionRows, PreferenceBatch, PreferenceRows, PromptBatch, PromptCompletionRows } from './collators.js';
export { tokenizeUnpairedPreference, mismatchedCompletions } from './unpaired-preference.js';
export { lengthGroupedBatches, shuffledIndices, seededRandom, distributedShard } from './sampler.js';
export type { LengthGroupedOptions } from './sampler.js';
export { packExamples, collatePacked } from './packing.js';
export type { PackedRow } from './packing.js';
export { collateLatents } from './latent.js';
export { maskTokenIdOf, maskTokens, wordStartsOf } from './mlm.js';
export type { MaskTokensOptions, MaskedRows } from './mlm.js';
