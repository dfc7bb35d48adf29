/**
 * A Hugging Face tokenizer loaded from a model directory: tokenizer.json runs through
 * @huggingface/tokenizers (the pure-JS port of HF `tokenizers` used by transformers.js), and
 * tokenizer_config.json / special_tokens_map.json / chat_template.jinja supply the special
 * tokens, padding side, length limit and chat template.
 *
 * ```ts
 * const tok = Tokenizer.fromPretrained('models/qwen2-0.5b');
 * tok.encode('Hello world');                         // [9707, 1879]
 * tok.decode(tok.encode('你好'));                     // '你好'
 * tok.encodeBatch(['a', 'b c'], { paddingSide: 'left' });
 * tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
 * ```
 */
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { TokenizerBase } from './base.js';
import { TokenizerFileError } from './errors.js';
import { assertDirectory, readOptionalJson, readOptionalText, readRequiredJson, type JsonObject } from './files.js';
import { resolveSettings, type TokenizerOverrides, type TokenizerSettings } from './settings.js';
import type { DecodeOptions, EncodeOptions } from './types.js';
import { encodeTyped, padTypedRows, type PairBatchEncodeOptions, type PairEncodeOptions, type TypedBatchEncoding, type TypedEncoding } from './pairs.js';

export class Tokenizer extends TokenizerBase {
  readonly vocabSize: number;
  readonly allSpecialIds: readonly number[];
  /** tokenizer_config.json's `mask_token` (BERT's [MASK], RoBERTa's <mask>), for masked-LM data; null without one. */
  readonly maskToken: string | null;
  private readonly impl: HfTokenizer;

  /**
   * Loads `dir/tokenizer.json` (required) with `tokenizer_config.json`,
   * `special_tokens_map.json` and `chat_template.jinja` when present. `overrides` win over the
   * files, e.g. `{ padToken: '<|endoftext|>', paddingSide: 'left' }`.
   */
  static fromPretrained(dir: string, overrides: TokenizerOverrides = {}): Tokenizer {
    assertDirectory(dir);
    const tokenizerPath = join(dir, 'tokenizer.json');
    const tokenizerJson = readRequiredJson(dir, 'tokenizer.json', 'the fast-tokenizer file with the vocabulary and pipeline');
    const configPath = join(dir, 'tokenizer_config.json');
    const config = readOptionalJson(dir, 'tokenizer_config.json') ?? {};
    const specialTokensMap = readOptionalJson(dir, 'special_tokens_map.json');
    const chatTemplateFile = readOptionalText(dir, 'chat_template.jinja');
    const settings = resolveSettings(
      {
        config,
        configPath,
        specialTokensMapPath: join(dir, 'special_tokens_map.json'),
        ...(specialTokensMap !== undefined ? { specialTokensMap } : {}),
        ...(chatTemplateFile !== undefined ? { chatTemplateFile } : {}),
      },
      overrides,
    );
    return new Tokenizer(tokenizerJson, config, settings, dir, tokenizerPath);
  }

  /**
   * Builds a tokenizer from already-parsed tokenizer.json and tokenizer_config.json objects
   * (e.g. fetched from the Hub). `source` names them in error messages.
   */
  static fromJson(tokenizerJson: JsonObject, config: JsonObject = {}, overrides: TokenizerOverrides = {}, source = '<tokenizer.json>'): Tokenizer {
    const settings = resolveSettings({ config, configPath: `${source} config`, specialTokensMapPath: `${source} special tokens` }, overrides);
    return new Tokenizer(tokenizerJson, config, settings, source, source);
  }

  private constructor(tokenizerJson: JsonObject, config: JsonObject, settings: TokenizerSettings, source: string, tokenizerPath: string) {
    super(settings, source);
    // The library reads these three keys from the config; give it the resolved values so it
    // agrees with transformers 5 (clean-up off unless asked, map's additional tokens).
    const libConfig = {
      ...config,
      clean_up_tokenization_spaces: settings.cleanUpTokenizationSpaces,
      additional_special_tokens: [...settings.special.additionalSpecialTokens],
    };
    try {
      this.impl = new HfTokenizer(tokenizerJson, libConfig);
    } catch (e) {
      throw new TokenizerFileError(tokenizerPath, `Malformed tokenizer file ${tokenizerPath}: ${(e as Error).message}`);
    }
    let maxId = -1;
    for (const id of this.impl.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.checkSpecialTokens();
    const mask = config.mask_token as string | { content?: unknown } | null | undefined;
    this.maskToken = typeof mask === 'string' ? mask : typeof mask?.content === 'string' ? mask.content : null;
    this.allSpecialIds = this.collectSpecialIds();
  }

  /** Token ids of `text`; `addSpecialTokens` (default true) runs the post-processor's BOS/EOS. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    // The package's .d.ts use extension-less imports that NodeNext cannot follow, so its
    // Encoding type arrives as any; state what we rely on.
    const { ids }: { ids: number[] } = this.impl.encode(text, { add_special_tokens: options.addSpecialTokens ?? true });
    if (ids.some((id) => !Number.isInteger(id))) {
      throw new Error(`${this.source}: some of ${JSON.stringify(text.slice(0, 80))} has no token and the tokenizer has no unk token`);
    }
    return ids;
  }

  /**
   * Ids with token type ids, of one text or a pair (BERT's sentences A and B), as transformers'
   * `tokenizer(text, text_pair)`; `maxLength` truncates the texts, longest first (pairs.ts).
   *
   * ```ts
   * tok.encodeWithTypes('How are you?', { textPair: 'Fine.' }); // { inputIds: [CLS, .., SEP, .., SEP], tokenTypeIds: [0, .., 0, 1, .., 1] }
   * ```
   */
  encodeWithTypes(text: string, options: PairEncodeOptions = {}): TypedEncoding {
    return encodeTyped(this.impl, text, options);
  }

  /**
   * A padded batch of single texts or pairs with token type ids (0 at pads); padding and
   * truncation as encodeBatch, truncation longest first within a pair.
   *
   * ```ts
   * tok.encodeBatchWithTypes(['How are you?', 'Hi'], { textPairs: ['Fine.', null] });
   * // { inputIds, attentionMask, tokenTypeIds }: rows padded to the longest
   * ```
   */
  encodeBatchWithTypes(texts: readonly string[], options: PairBatchEncodeOptions = {}): TypedBatchEncoding {
    const { padding = 'longest', truncation = false, textPairs } = options;
    if (textPairs !== undefined && textPairs.length !== texts.length) {
      throw new RangeError(`textPairs has ${textPairs.length} entries but texts has ${texts.length}`);
    }
    const maxLength = options.maxLength ?? this.modelMaxLength;
    if (options.maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) {
      throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
    }
    if (padding === 'maxLength' && !Number.isFinite(maxLength)) {
      throw new RangeError(`padding 'maxLength' needs a maxLength: ${this.source} sets no model_max_length`);
    }
    const cut = truncation && Number.isFinite(maxLength) ? { maxLength, truncationSide: options.truncationSide ?? this.truncationSide } : {};
    const rows = texts.map((text, i) =>
      encodeTyped(this.impl, text, { textPair: textPairs?.[i] ?? null, addSpecialTokens: options.addSpecialTokens ?? true, ...cut }),
    );
    if (padding === 'none') {
      return { inputIds: rows.map((r) => r.inputIds), attentionMask: rows.map((r) => r.inputIds.map(() => 1)), tokenTypeIds: rows.map((r) => r.tokenTypeIds) };
    }
    return padTypedRows(rows, {
      padTokenId: this.requirePadTokenId(),
      side: options.paddingSide ?? this.paddingSide,
      ...(padding === 'maxLength' ? { length: maxLength } : {}),
      ...(options.padToMultipleOf !== undefined ? { padToMultipleOf: options.padToMultipleOf } : {}),
    });
  }

  /** Text of `ids`; ids outside the vocabulary are skipped, as HF tokenizers does. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const known = ids.filter((id) => {
      if (!Number.isInteger(id) || id < 0) throw new RangeError(`decode: ${id} is not a token id`);
      return id < this.vocabSize && this.impl.id_to_token(id) !== undefined;
    });
    // The library rejects an empty list; transformers returns ''.
    if (known.length === 0) return '';
    return this.impl.decode(known, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of `maskToken`, or null. */
  get maskTokenId(): number | null {
    return this.maskToken === null ? null : (this.tokenToId(this.maskToken) ?? null);
  }

  tokenToId(token: string): number | undefined {
    return this.impl.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.impl.id_to_token(id);
  }

  /** Added tokens marked special, plus the configured special tokens (transformers' all_special_ids). */
  private collectSpecialIds(): number[] {
    const ids = new Set<number>();
    const added: Map<number, { special: boolean }> = this.impl.get_added_tokens_decoder();
    for (const [id, token] of added) if (token.special) ids.add(id);
    for (const token of [this.bosToken, this.eosToken, this.padToken, this.unkToken, ...this.additionalSpecialTokens]) {
      const id = token === null ? undefined : this.tokenToId(token);
      if (id !== undefined) ids.add(id);
    }
    return [...ids].sort((a, b) => a - b);
  }
}
