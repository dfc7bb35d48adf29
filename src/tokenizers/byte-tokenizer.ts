/**
 * A tokenizer for models trained from scratch that needs no training: ids 0-255 are the
 * UTF-8 bytes themselves, and a few special tokens follow (by default `<|endoftext|>` 256,
 * `<|pad|>` 257, `<|im_start|>` 258, `<|im_end|>` 259). Any text round-trips exactly, in any
 * script. Special tokens written in the text are matched verbatim, as HF tokenizers match
 * added tokens, so chat-template output encodes to the marker ids.
 *
 * ```ts
 * const tok = new ByteTokenizer();
 * tok.encode('hé');                  // [104, 195, 169]
 * tok.decode([104, 195, 169, 256]);  // 'hé<|endoftext|>'
 * tok.vocabSize;                     // 260
 * ```
 */
import { TokenizerBase } from './base.js';
import type { DecodeOptions, EncodeOptions, PaddingSide, TruncationSide } from './types.js';

/** ChatML without a default system turn: `<|im_start|>{role}\n{content}<|im_end|>\n` per message. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface ByteTokenizerOptions {
  /** Special tokens, given ids 256, 257, ... in this order. */
  specialTokens?: readonly string[];
  /** Default '<|endoftext|>' (document separator). For chat fine-tuning use '<|im_end|>'. */
  eosToken?: string | null;
  /** Default '<|pad|>'. */
  padToken?: string | null;
  /** Default none. */
  bosToken?: string | null;
  /** Prepend the bos token when encoding with `addSpecialTokens` (default false). */
  addBosToken?: boolean;
  /** Append the eos token when encoding with `addSpecialTokens` (default false). */
  addEosToken?: boolean;
  /** Default 'right'. */
  paddingSide?: PaddingSide;
  /** Default 'right'. */
  truncationSide?: TruncationSide;
  /** Default no limit. */
  modelMaxLength?: number;
  /** Jinja chat template; default `CHATML_TEMPLATE`; null for none. */
  chatTemplate?: string | null;
}

/** The special tokens a from-scratch tokenizer gets unless told otherwise (also `rlhf tokenizer train`'s). */
export const DEFAULT_SPECIALS = ['<|endoftext|>', '<|pad|>', '<|im_start|>', '<|im_end|>'] as const;
const BYTES = 256;

export class ByteTokenizer extends TokenizerBase {
  readonly vocabSize: number;
  readonly allSpecialIds: readonly number[];
  private readonly specials: readonly string[];
  private readonly specialIds: ReadonlyMap<string, number>;
  /** Matches any special token, longest first so that a token containing another wins. */
  private readonly specialPattern: RegExp | null;
  private readonly addBos: boolean;
  private readonly addEos: boolean;

  constructor(options: ByteTokenizerOptions = {}) {
    const specials = [...(options.specialTokens ?? DEFAULT_SPECIALS)];
    const pick = (value: string | null | undefined, fallback: string | null): string | null => (value === undefined ? fallback : value);
    const chatTemplate = pick(options.chatTemplate, CHATML_TEMPLATE);
    super(
      {
        special: {
          bosToken: pick(options.bosToken, null),
          eosToken: pick(options.eosToken, specials.includes('<|endoftext|>') ? '<|endoftext|>' : null),
          padToken: pick(options.padToken, specials.includes('<|pad|>') ? '<|pad|>' : null),
          unkToken: null,
          additionalSpecialTokens: specials,
        },
        paddingSide: options.paddingSide ?? 'right',
        truncationSide: options.truncationSide ?? 'right',
        modelMaxLength: options.modelMaxLength ?? Infinity,
        cleanUpTokenizationSpaces: false,
        chatTemplates: new Map(chatTemplate === null ? [] : [['default', chatTemplate]]),
      },
      'ByteTokenizer',
    );
    const empty = specials.findIndex((s) => s.length === 0);
    if (empty >= 0) throw new Error(`ByteTokenizer: special token ${empty} is the empty string`);
    if (new Set(specials).size !== specials.length) throw new Error(`ByteTokenizer: duplicate special tokens in ${JSON.stringify(specials)}`);
    this.specials = specials;
    this.specialIds = new Map(specials.map((s, i) => [s, BYTES + i]));
    this.vocabSize = BYTES + specials.length;
    this.allSpecialIds = specials.map((_, i) => BYTES + i);
    const alternatives = [...specials].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.specialPattern = specials.length > 0 ? new RegExp(`(${alternatives.join('|')})`) : null;
    this.addBos = options.addBosToken ?? false;
    this.addEos = options.addEosToken ?? false;
    if (this.addBos && this.bosToken === null) throw new Error('ByteTokenizer: addBosToken needs a bosToken');
    if (this.addEos && this.eosToken === null) throw new Error('ByteTokenizer: addEosToken needs an eosToken');
    this.checkSpecialTokens();
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const addSpecial = options.addSpecialTokens ?? true;
    if (addSpecial && this.addBos && this.bosTokenId !== null) ids.push(this.bosTokenId);
    // split() with a capturing group keeps the separators: text, special, text, special, ...
    const pieces = this.specialPattern === null ? [text] : text.split(this.specialPattern);
    pieces.forEach((piece, i) => {
      if (i % 2 === 1) ids.push(this.specialIds.get(piece) as number);
      else for (const byte of encoder.encode(piece)) ids.push(byte);
    });
    if (addSpecial && this.addEos && this.eosTokenId !== null) ids.push(this.eosTokenId);
    return ids;
  }

  /** Bytes are decoded as UTF-8, invalid sequences becoming U+FFFD; ids past the vocabulary are skipped. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    let out = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) out += decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0) throw new RangeError(`decode: ${id} is not a token id`);
      if (id < BYTES) {
        bytes.push(id);
        continue;
      }
      const special = this.specials[id - BYTES];
      if (special === undefined) continue;
      flush();
      if (!options.skipSpecialTokens) out += special;
    }
    flush();
    return out;
  }

  /** Byte tokens are named `<0x41>` (SentencePiece's byte-token names); specials by their text. */
  tokenToId(token: string): number | undefined {
    const special = this.specialIds.get(token);
    if (special !== undefined) return special;
    const byte = /^<0x([0-9A-F]{2})>$/.exec(token);
    return byte?.[1] !== undefined ? parseInt(byte[1], 16) : undefined;
  }

  idToToken(id: number): string | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    if (id < BYTES) return `<0x${id.toString(16).toUpperCase().padStart(2, '0')}>`;
    return this.specials[id - BYTES];
  }
}

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text instead of eating it, so every string round-trips.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
