/**
 * Hugging Face tokenizer files for a fixed character vocabulary: one token per character,
 * no merges, no pre-tokenizer, a `Fuse` decoder (tokens joined with nothing in between), and
 * special tokens after the characters. What a model trained from scratch on a small alphabet
 * (digits and operators, DNA, ...) needs; `Tokenizer.fromPretrained` and transformers'
 * `AutoTokenizer` both load the result. There is no unknown token: characters outside the
 * vocabulary are dropped when encoding, as HF tokenizers' BPE does, so check that your texts
 * round-trip (`decode(encode(text)) === text`).
 *
 * ```ts
 * const files = characterTokenizerFiles({ characters: '0123456789+-=', specialTokens: ['<|endoftext|>', '<|pad|>'] });
 * // write files['tokenizer.json'] and files['tokenizer_config.json'] into a model directory, then:
 * Tokenizer.fromPretrained(dir).encode('12+7=');   // [1, 2, 10, 7, 12]
 * ```
 */
import type { JsonObject } from './files.js';

export interface CharacterVocabOptions {
  /** The characters, given ids 0, 1, ... in this order (split by code point). */
  characters: string;
  /** Special tokens, given the ids after the characters, in this order. */
  specialTokens: readonly string[];
  /** Default: the first special token. */
  eosToken?: string;
  /** Default: the second special token, else none. */
  padToken?: string | null;
  /** Written as tokenizer_config.json's model_max_length when given. */
  modelMaxLength?: number;
}

/** tokenizer.json and tokenizer_config.json for `options`, as JSON objects. */
export function characterTokenizerFiles(options: CharacterVocabOptions): { 'tokenizer.json': JsonObject; 'tokenizer_config.json': JsonObject } {
  const chars = [...options.characters];
  if (chars.length === 0) throw new Error('characterTokenizerFiles: no characters');
  const taken = new Set<string>();
  for (const token of [...chars, ...options.specialTokens]) {
    if (token.length === 0) throw new Error('characterTokenizerFiles: a special token is the empty string');
    if (taken.has(token)) throw new Error(`characterTokenizerFiles: ${JSON.stringify(token)} appears twice`);
    taken.add(token);
  }
  const eosToken = options.eosToken ?? options.specialTokens[0];
  const padToken = options.padToken === undefined ? (options.specialTokens[1] ?? null) : options.padToken;
  for (const [role, token] of [['eosToken', eosToken], ['padToken', padToken]] as const) {
    if (token !== undefined && token !== null && !options.specialTokens.includes(token)) {
      throw new Error(`characterTokenizerFiles: ${role} ${JSON.stringify(token)} is not one of the special tokens ${JSON.stringify(options.specialTokens)}`);
    }
  }
  const vocab: Record<string, number> = {};
  chars.forEach((c, i) => (vocab[c] = i));
  const added = options.specialTokens.map((content, i) => ({ id: chars.length + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  for (const a of added) vocab[a.content] = a.id;

  const tokenizer: JsonObject = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    // BPE without merges: every character of the text is looked up on its own.
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
  };
  const config: JsonObject = {
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...rest }) => [String(id), { content: rest.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
    bos_token: null,
    eos_token: eosToken ?? null,
    pad_token: padToken,
    unk_token: null,
    clean_up_tokenization_spaces: false,
    padding_side: 'right',
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  if (options.modelMaxLength !== undefined) config['model_max_length'] = options.modelMaxLength;
  return { 'tokenizer.json': tokenizer, 'tokenizer_config.json': config };
}
