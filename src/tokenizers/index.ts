/**
 * Tokenizers: Hugging Face tokenizer directories (tokenizer.json + tokenizer_config.json)
 * with chat templates, and a byte-level tokenizer for models trained from scratch. Both
 * implement `TextTokenizer`. See docs/tokenizers.md.
 *
 * ```ts
 * const tok = Tokenizer.fromPretrained('models/tiny-qwen2');
 * const { inputIds, attentionMask } = batchToTensors(tok.encodeBatch(['Hi', 'Hello there']));
 * ```
 */
export { Tokenizer } from './tokenizer.js';
export { ByteTokenizer, CHATML_TEMPLATE } from './byte-tokenizer.js';
export type { ByteTokenizerOptions } from './byte-tokenizer.js';
export { TokenizerBase } from './base.js';
export { ChatTemplate } from './chat-template.js';
export { batchToTensors } from './to-tensors.js';
export type { BatchTensors } from './to-tensors.js';
export { padRows, truncateKeepingSpecials } from './batch.js';
export type { PadOptions } from './batch.js';
export { TokenizerFileError, ChatTemplateError } from './errors.js';
export type { TokenizerOverrides } from './settings.js';
export type {
  BatchEncodeOptions,
  BatchEncoding,
  ChatMessage,
  ChatTemplateOptions,
  DecodeOptions,
  EncodeOptions,
  PaddingSide,
  SpecialTokens,
  TextTokenizer,
  TruncationSide,
} from './types.js';
export { longestFirst, padTypedRows } from './pairs.js';
export type { PairEncodeOptions, PairBatchEncodeOptions, TypedEncoding, TypedBatchEncoding } from './pairs.js';
export { copyTokenizerFiles, TOKENIZER_FILES } from './copy-files.js';
export { characterTokenizerFiles } from './character-vocab.js';
export type { CharacterVocabOptions } from './character-vocab.js';
export { trainByteLevelTokenizer, saveTokenizerFiles } from './bpe/train-tokenizer.js';
export type { TrainTokenizerOptions, TrainedTokenizer } from './bpe/train-tokenizer.js';
export { trainBpe } from './bpe/trainer.js';
export type { BpeModel, BpeTrainerOptions, BpeStopReason } from './bpe/trainer.js';
export { ByteLevelWordCounter } from './bpe/word-counter.js';
export { byteLevelBpeFiles, stringifyTokenizerJson } from './bpe/hf-files.js';
