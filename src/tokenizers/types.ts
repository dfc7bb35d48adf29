/**
 * The tokenizer contract trainers program against. Both the Hugging Face `Tokenizer`
 * (tokenizer.json) and the from-scratch `ByteTokenizer` implement `TextTokenizer`, so a
 * trainer or collator never needs to know which one it holds.
 */

/** Which end of a row receives pad tokens (decoder-only generation wants 'left'). */
export type PaddingSide = 'left' | 'right';

/** Which end of a too-long row is cut off. */
export type TruncationSide = 'left' | 'right';

export interface EncodeOptions {
  /**
   * Add the special tokens the tokenizer's post-processor defines (for example Llama's BOS).
   * Default true, as in transformers. Special tokens written literally in the text are always
   * matched, whatever this says.
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (eos, pad, chat markers...) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

export interface BatchEncodeOptions extends EncodeOptions {
  /**
   * 'longest' pads every row to the longest row of the batch (default); 'maxLength' pads to
   * `maxLength`; 'none' returns rows of their own lengths.
   */
  padding?: 'longest' | 'maxLength' | 'none';
  /** Default: the tokenizer's `paddingSide` (tokenizer_config.json `padding_side`). */
  paddingSide?: PaddingSide;
  /** Cut rows longer than `maxLength`. Default false. */
  truncation?: boolean;
  /** Default: the tokenizer's `truncationSide` (tokenizer_config.json `truncation_side`). */
  truncationSide?: TruncationSide;
  /** Length for truncation and for `padding: 'maxLength'`. Default: `modelMaxLength`. */
  maxLength?: number;
  /** Round the padded length up to a multiple of this (tensor-core friendly shapes). */
  padToMultipleOf?: number;
}

/** Token ids and the matching 1 (real) / 0 (padding) mask, one row per input text. */
export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
}

/** One chat turn. Extra keys (tool calls, names...) are passed through to the template. */
export interface ChatMessage {
  role: string;
  content: string;
  [extra: string]: unknown;
}

export interface ChatTemplateOptions {
  /** Append the header that starts the assistant's reply (e.g. `<|im_start|>assistant\n`). */
  addGenerationPrompt?: boolean;
  /**
   * End the rendering right after the last message's content, with no end-of-turn marker, so
   * a model continues that message (transformers' `continue_final_message`). A string names
   * the message field to continue instead of 'content'. Cannot be combined with
   * `addGenerationPrompt`.
   */
  continueFinalMessage?: boolean | string;
  /** Return token ids (default, as in transformers) or, with false, the rendered text. */
  tokenize?: boolean;
  /**
   * The name of one of the tokenizer's named templates (e.g. 'tool_use'), or a Jinja template
   * string to use instead of the tokenizer's own. Default: the 'tool_use' template when
   * `tools` are given and the tokenizer has one, else its default template.
   */
  chatTemplate?: string;
  /** Tool (function) schemas for templates that support them; `none` when omitted. */
  tools?: readonly unknown[];
  /** Retrieval documents for RAG templates; `none` when omitted. */
  documents?: readonly unknown[];
  /** Extra template variables, e.g. `{ enable_thinking: false }` (transformers' **kwargs). */
  templateVars?: Readonly<Record<string, unknown>>;
}

/** The special tokens of a tokenizer as strings; null where the tokenizer has none. */
export interface SpecialTokens {
  bosToken: string | null;
  eosToken: string | null;
  padToken: string | null;
  unkToken: string | null;
  /** Other special tokens (chat markers and the like), in config order. */
  additionalSpecialTokens: readonly string[];
}

/** What trainers, collators and generation need from a tokenizer. */
export interface TextTokenizer {
  /** Ids run from 0 to vocabSize - 1 (added tokens included: `len(tokenizer)` in transformers). */
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly bosTokenId: number | null;
  readonly eosToken: string | null;
  readonly eosTokenId: number | null;
  readonly padToken: string | null;
  readonly padTokenId: number | null;
  readonly additionalSpecialTokens: readonly string[];
  /** Ids of every special token (skipped by `decode(ids, { skipSpecialTokens: true })`). */
  readonly allSpecialIds: readonly number[];
  readonly paddingSide: PaddingSide;
  readonly truncationSide: TruncationSide;
  /** The longest input the model takes (tokenizer_config.json `model_max_length`). */
  readonly modelMaxLength: number;

  encode(text: string, options?: EncodeOptions): number[];
  /** Ids with no token (e.g. from a model whose embedding is larger than the vocabulary) are skipped, as in HF. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding;
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): string;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions & { tokenize?: true }): number[];
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string | number[];
}
