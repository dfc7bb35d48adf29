/**
 * What every tokenizer derives from its encode/decode and its settings: special-token ids,
 * batch encoding with padding and truncation, and chat templates. Subclasses supply the
 * vocabulary (`encode`, `decode`, `tokenToId`, `idToToken`, `vocabSize`).
 */
import { padRows, truncateKeepingSpecials, unpaddedRows } from './batch.js';
import { ChatTemplate } from './chat-template.js';
import { ChatTemplateError } from './errors.js';
import type { TokenizerSettings } from './settings.js';
import type {
  BatchEncodeOptions,
  BatchEncoding,
  ChatMessage,
  ChatTemplateOptions,
  DecodeOptions,
  EncodeOptions,
  PaddingSide,
  TextTokenizer,
  TruncationSide,
} from './types.js';

export abstract class TokenizerBase implements TextTokenizer {
  abstract readonly vocabSize: number;
  abstract encode(text: string, options?: EncodeOptions): number[];
  abstract decode(ids: readonly number[], options?: DecodeOptions): string;
  abstract tokenToId(token: string): number | undefined;
  abstract idToToken(id: number): string | undefined;

  readonly paddingSide: PaddingSide;
  readonly truncationSide: TruncationSide;
  readonly modelMaxLength: number;
  private readonly compiledTemplates = new Map<string, ChatTemplate>();

  /** `source` names where the tokenizer came from (a directory, 'ByteTokenizer'), for errors. */
  protected constructor(
    protected readonly settings: TokenizerSettings,
    readonly source: string,
  ) {
    this.paddingSide = settings.paddingSide;
    this.truncationSide = settings.truncationSide;
    this.modelMaxLength = settings.modelMaxLength;
  }

  get bosToken(): string | null {
    return this.settings.special.bosToken;
  }
  get eosToken(): string | null {
    return this.settings.special.eosToken;
  }
  get padToken(): string | null {
    return this.settings.special.padToken;
  }
  get unkToken(): string | null {
    return this.settings.special.unkToken;
  }
  get additionalSpecialTokens(): readonly string[] {
    return this.settings.special.additionalSpecialTokens;
  }
  get bosTokenId(): number | null {
    return this.specialId(this.bosToken, 'bos');
  }
  get eosTokenId(): number | null {
    return this.specialId(this.eosToken, 'eos');
  }
  get padTokenId(): number | null {
    return this.specialId(this.padToken, 'pad');
  }
  get unkTokenId(): number | null {
    return this.specialId(this.unkToken, 'unk');
  }
  abstract readonly allSpecialIds: readonly number[];

  /** The tokenizer's own chat template (or null), as Jinja source. */
  get chatTemplate(): string | null {
    return this.settings.chatTemplates.get('default') ?? null;
  }

  /**
   * Encodes texts into rows of ids, padded and truncated as asked.
   *
   * ```ts
   * tok.encodeBatch(['a b c', 'a'], { paddingSide: 'left' });
   * // { inputIds: [[..3 ids..], [pad, pad, id]], attentionMask: [[1, 1, 1], [0, 0, 1]] }
   * ```
   */
  encodeBatch(texts: readonly string[], options: BatchEncodeOptions = {}): BatchEncoding {
    const { padding = 'longest', truncation = false, addSpecialTokens = true } = options;
    const maxLength = options.maxLength ?? this.modelMaxLength;
    if (options.maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) {
      throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
    }
    const side = options.truncationSide ?? this.truncationSide;
    const rows = texts.map((text) => {
      const ids = this.encode(text, { addSpecialTokens });
      if (!truncation || ids.length <= maxLength) return ids;
      const content = addSpecialTokens ? this.encode(text, { addSpecialTokens: false }) : ids;
      return truncateKeepingSpecials(ids, content, maxLength, side);
    });
    if (padding === 'none') return unpaddedRows(rows);
    if (padding === 'maxLength' && !Number.isFinite(maxLength)) {
      throw new RangeError(`padding 'maxLength' needs a maxLength: ${this.source} sets no model_max_length`);
    }
    return padRows(rows, {
      padTokenId: this.requirePadTokenId(),
      side: options.paddingSide ?? this.paddingSide,
      ...(padding === 'maxLength' ? { length: maxLength } : {}),
      ...(options.padToMultipleOf !== undefined ? { padToMultipleOf: options.padToMultipleOf } : {}),
    });
  }

  /**
   * Renders a conversation with the chat template and (by default) encodes it without adding
   * special tokens, exactly as transformers' `apply_chat_template`.
   *
   * ```ts
   * const ids = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
   * const text = tok.applyChatTemplate(messages, { tokenize: false });
   * ```
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): string;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions & { tokenize?: true }): number[];
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string | number[];
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string | number[] {
    const text = this.compiledTemplate(options.chatTemplate, options.tools !== undefined).render(messages, this.settings.special, options);
    return options.tokenize === false ? text : this.encode(text, { addSpecialTokens: false });
  }

  /** The pad id, or an error saying how to get one (most base models ship without a pad token). */
  protected requirePadTokenId(): number {
    const id = this.padTokenId;
    if (id === null) {
      throw new Error(`padding needs a pad token, and ${this.source} has none; load with { padToken: '...' } (often the eos token)`);
    }
    return id;
  }

  /** Fails fast, at load time, on a special token the vocabulary lacks. */
  protected checkSpecialTokens(): void {
    for (const token of [this.bosToken, this.eosToken, this.padToken, this.unkToken, ...this.additionalSpecialTokens]) {
      this.specialId(token, 'special');
    }
  }

  private specialId(token: string | null, role: string): number | null {
    if (token === null) return null;
    const id = this.tokenToId(token);
    if (id === undefined) throw new Error(`${role} token ${JSON.stringify(token)} of ${this.source} is not in its vocabulary`);
    return id;
  }

  /**
   * `name` selects a named template or, when it is no template's name, is itself a template.
   * Without a name: 'tool_use' when tools are given and it exists, else 'default' (transformers'
   * `get_chat_template`).
   */
  private compiledTemplate(name: string | undefined, withTools: boolean): ChatTemplate {
    const templates = this.settings.chatTemplates;
    const key = name ?? (withTools && templates.has('tool_use') ? 'tool_use' : 'default');
    const cached = this.compiledTemplates.get(key);
    if (cached !== undefined) return cached;
    const named = templates.get(key);
    let template: ChatTemplate;
    if (named !== undefined) {
      template = new ChatTemplate(named, key === 'default' ? this.source : `${this.source} (template '${key}')`);
    } else if (name !== undefined) {
      template = new ChatTemplate(name, 'the chatTemplate option');
    } else if (templates.size > 0) {
      throw new ChatTemplateError(`${this.source} has several chat templates and none named 'default'; pass { chatTemplate } with one of: ${[...templates.keys()].sort().join(', ')}`);
    } else {
      throw new ChatTemplateError(
        `${this.source} has no chat template (a Hugging Face directory keeps it in tokenizer_config.json "chat_template" or in chat_template.jinja); pass { chatTemplate } when loading or to applyChatTemplate`,
      );
    }
    this.compiledTemplates.set(key, template);
    return template;
  }
}
