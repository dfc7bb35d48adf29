/**
 * tokenizer.json and tokenizer_config.json for a trained byte-level BPE model, written as
 * Python `tokenizers` 0.23 writes a `Tokenizer(BPE())` with `ByteLevel(add_prefix_space=False)`
 * pre-tokenizer, `ByteLevel(trim_offsets=False)` post-processor and `ByteLevel()` decoder (key
 * order included), so that `Tokenizer.fromPretrained` and transformers' `AutoTokenizer` load
 * it with the same ids.
 *
 * ```ts
 * const files = byteLevelBpeFiles(model, { specialTokens: ['<|endoftext|>'], eosToken: '<|endoftext|>' });
 * writeFileSync('out/tokenizer.json', JSON.stringify(files['tokenizer.json'], null, 2));
 * ```
 */
import type { JsonObject } from '../files.js';
import type { BpeModel } from './trainer.js';

export interface ByteLevelBpeFilesOptions {
  /** The special tokens the model was trained with (ids 0..k-1). */
  specialTokens: readonly string[];
  /** Each must be one of `specialTokens`; null (the default) for none. */
  bosToken?: string | null;
  eosToken?: string | null;
  padToken?: string | null;
  unkToken?: string | null;
  /** Jinja chat template written to tokenizer_config.json. */
  chatTemplate?: string;
  /** tokenizer_config.json's model_max_length; left out (no limit) by default. */
  modelMaxLength?: number;
}

export interface HfTokenizerFiles {
  'tokenizer.json': JsonObject;
  'tokenizer_config.json': JsonObject;
}

/** The pre-tokenizer, post-processor and decoder exactly as Python serializes them. */
const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
const BYTE_LEVEL_POST = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true };
const BYTE_LEVEL_DECODER = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };

export function byteLevelBpeFiles(model: BpeModel, options: ByteLevelBpeFilesOptions): HfTokenizerFiles {
  const ids = new Map(model.vocab.map((token, id) => [token, id]));
  const specials = [...new Set(options.specialTokens)];
  const added = specials.map((content) => {
    const id = ids.get(content);
    if (id === undefined) throw new Error(`byteLevelBpeFiles: special token ${JSON.stringify(content)} is not in the vocabulary`);
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  const named: Record<string, string | null> = {
    bos_token: options.bosToken ?? null,
    eos_token: options.eosToken ?? null,
    pad_token: options.padToken ?? null,
    unk_token: options.unkToken ?? null,
  };
  for (const [key, token] of Object.entries(named)) {
    if (token !== null && !specials.includes(token)) {
      throw new Error(`${key} ${JSON.stringify(token)} is not one of the special tokens ${JSON.stringify(specials)}`);
    }
  }
  const namedTokens = new Set(Object.values(named));

  const tokenizer: JsonObject = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: BYTE_LEVEL,
    post_processor: BYTE_LEVEL_POST,
    decoder: BYTE_LEVEL_DECODER,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(model.vocab.map((token, id) => [token, id])),
      merges: model.merges,
    },
  };
  const config: JsonObject = {
    added_tokens_decoder: Object.fromEntries(added.map(({ id, content }) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }])),
    additional_special_tokens: specials.filter((t) => !namedTokens.has(t)),
    ...named,
    clean_up_tokenization_spaces: false,
    padding_side: 'right',
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  if (options.modelMaxLength !== undefined) config['model_max_length'] = options.modelMaxLength;
  if (options.chatTemplate !== undefined) config['chat_template'] = options.chatTemplate;
  return { 'tokenizer.json': tokenizer, 'tokenizer_config.json': config };
}

/**
 * tokenizer.json's text as Python writes it (two-space indent, no final newline), with the
 * vocabulary in id order: `JSON.stringify` alone would move integer-like tokens ("10", "2024")
 * to the front of the object.
 */
export function stringifyTokenizerJson(tokenizerJson: JsonObject): string {
  const model = tokenizerJson['model'] as JsonObject;
  const vocab = model['vocab'] as Record<string, number>;
  const marker = `vocab-${Math.random().toString(36).slice(2)}`;
  const text = JSON.stringify({ ...tokenizerJson, model: { ...model, vocab: marker } }, null, 2);
  const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
  const body = entries.map(([token, id]) => `      ${JSON.stringify(token)}: ${id}`).join(',\n');
  const slot = `\n    "vocab": "${marker}"`;
  if (!text.includes(slot)) throw new Error('stringifyTokenizerJson: expected a tokenizer.json object with model.vocab');
  return text.replace(slot, () => `\n    "vocab": ${entries.length === 0 ? '{}' : `{\n${body}\n    }`}`);
}
