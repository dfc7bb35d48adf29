/**
 * Sentence pairs and token type ids (BERT's segments), as transformers' `tokenizer(text, text_pair)`:
 * the post-processor (tokenizer.json's TemplateProcessing, e.g. `[CLS] $A [SEP] $B:1 [SEP]:1`) adds the
 * special tokens and says each position's type. Truncation cuts the texts before the specials are
 * added, the longer text first (HF tokenizers' `longest_first`), so the specials always survive.
 *
 * ```ts
 * const tok = Tokenizer.fromPretrained('test/fixtures/models/tiny-bert');
 * tok.encodeWithTypes('How are you today?', { textPair: 'Fine, thanks.' });
 * // { inputIds: [2, 166, 262, 146, 237, 10, 3, 138, 5, 294, 7, 3], tokenTypeIds: [0 x7, 1 x5] }
 * ```
 */
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { padRows, type PadOptions } from './batch.js';
import type { BatchEncodeOptions, BatchEncoding, EncodeOptions, TruncationSide } from './types.js';

export interface PairEncodeOptions extends EncodeOptions {
  /** The second text (BERT's sentence B, token type 1 with its closing [SEP]). */
  textPair?: string | null | undefined;
  /** Cut the texts so the whole encoding, specials included, has at most this many tokens. */
  maxLength?: number | undefined;
  /** Which end of each text is cut (default 'right'). */
  truncationSide?: TruncationSide | undefined;
}

/** One encoding with its segment ids. */
export interface TypedEncoding {
  inputIds: number[];
  tokenTypeIds: number[];
}

export interface PairBatchEncodeOptions extends BatchEncodeOptions {
  /** Row i's second text; null or missing: row i is a single text. */
  textPairs?: readonly (string | null | undefined)[];
}

/** A padded batch with token type ids, padded with 0 as transformers' pad_token_type_id. */
export interface TypedBatchEncoding extends BatchEncoding {
  tokenTypeIds: number[][];
}

/**
 * How many tokens each text keeps when the pair must fit `budget` (HF tokenizers'
 * `longest_first`): the shorter keeps min(its length, ⌊budget/2⌋), the longer the rest.
 *
 * ```ts
 * longestFirst(12, 8, 7); // [4, 3]
 * ```
 */
export function longestFirst(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const firstIsLonger = n1 > n2;
  const shorter = Math.min(firstIsLonger ? n2 : n1, Math.floor(budget / 2));
  const longer = budget - shorter;
  return firstIsLonger ? [longer, shorter] : [shorter, longer];
}

/** The HF tokenizer's text pipeline up to (and including) its post-processor. */
export function encodeTyped(impl: HfTokenizer, text: string, options: PairEncodeOptions = {}): TypedEncoding {
  const addSpecialTokens = options.addSpecialTokens ?? true;
  const pair = options.textPair ?? null;
  const { maxLength } = options;
  if (maxLength === undefined && pair === null) {
    // A single text: exactly what encode() gives, with the post-processor's types.
    const enc = impl.encode(text, { add_special_tokens: addSpecialTokens, return_token_type_ids: true }) as { ids: number[]; token_type_ids?: number[] };
    return { inputIds: enc.ids, tokenTypeIds: enc.token_type_ids ?? defaultTypes(enc.ids.length, 0) };
  }
  // Otherwise the package's own steps, with the truncation it lacks between them.
  const tokensOf = (t: string): string[] => impl.encode(t, { add_special_tokens: false }).tokens as string[];
  let a = tokensOf(text);
  let b = pair === null ? null : tokensOf(pair);
  if (maxLength !== undefined) {
    const specials = postProcess(impl, [], b === null ? null : [], addSpecialTokens).tokens.length;
    const budget = maxLength - specials;
    if (budget < 0) throw new RangeError(`maxLength ${maxLength} is shorter than the ${specials} special tokens the tokenizer adds`);
    const [keepA, keepB] = b === null ? [Math.min(a.length, budget), 0] : longestFirst(a.length, b.length, budget);
    const cut = (tokens: string[], keep: number) => (options.truncationSide === 'left' ? tokens.slice(tokens.length - keep) : tokens.slice(0, keep));
    a = cut(a, keepA);
    if (b !== null) b = cut(b, keepB);
  }
  const { tokens, types } = postProcess(impl, a, b, addSpecialTokens);
  // Added tokens first, then the model's vocabulary: the package's own token -> id order.
  const added = new Map([...impl.get_added_tokens_decoder()].map(([id, t]) => [(t as { content: string }).content, id]));
  const inputIds = tokens.map((t) => {
    const id = added.get(t) ?? impl.token_to_id(t);
    if (id === undefined) throw new Error(`token ${JSON.stringify(t)} has no id`);
    return id;
  });
  return { inputIds, tokenTypeIds: types };
}

/** Typed rows padded to one length: ids with `padTokenId`, mask 0 and token type 0 at pads. */
export function padTypedRows(rows: readonly TypedEncoding[], options: PadOptions): TypedBatchEncoding {
  const padded = padRows(rows.map((r) => r.inputIds), options);
  const tokenTypeIds = padded.inputIds.map((row, i) => {
    const types = rows[i]?.tokenTypeIds ?? [];
    const pads = new Array<number>(row.length - types.length).fill(0);
    return options.side === 'left' ? [...pads, ...types] : [...types, ...pads];
  });
  return { ...padded, tokenTypeIds };
}

type PostProcessor = (a: string[], b: string[] | null, add: boolean) => { tokens: string[]; tokens_pair?: string[]; token_type_ids?: number[] };

function postProcess(impl: HfTokenizer, a: string[], b: string[] | null, addSpecialTokens: boolean): { tokens: string[]; types: number[] } {
  // Not in the package's typings: the post-processor is callable with (tokens, pair, addSpecialTokens).
  const processor = (impl as unknown as { post_processor: PostProcessor | null }).post_processor;
  const out = processor === null ? { tokens: [...a, ...(b ?? [])] } : processor(a, b, addSpecialTokens);
  // A byte-level post-processor hands the pair back beside the first text.
  const tokens = out.tokens_pair === undefined || out.tokens_pair === null ? out.tokens : [...out.tokens, ...out.tokens_pair];
  return { tokens, types: out.token_type_ids ?? defaultTypes(tokens.length, b?.length ?? 0) };
}

/** Without types from the post-processor: the second text's tokens (at the end) are type 1, as HF tokenizers. */
function defaultTypes(length: number, pairLength: number): number[] {
  return [...new Array<number>(length - pairLength).fill(0), ...new Array<number>(pairLength).fill(1)];
}
