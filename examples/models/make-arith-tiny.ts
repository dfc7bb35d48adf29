/**
 * Writes examples/models/arith-tiny: the config.json of a small Qwen2 and a character
 * tokenizer (digits, + - =, space, newline, <|endoftext|>, <|pad|>) for the arithmetic task.
 * No weights: configs start it with `model.init: from_scratch`.
 *
 *   npx tsc -p tsconfig.json && node dist/examples/models/make-arith-tiny.js [OUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { characterTokenizerFiles } from '../../src/tokenizers/index.js';

/** Ids 0-9 are the digits themselves; then + - = space newline; then the special tokens. */
export const ARITH_CHARACTERS = '0123456789+-= \n';
export const ARITH_SPECIAL_TOKENS = ['<|endoftext|>', '<|pad|>'] as const;
const EOS_ID = ARITH_CHARACTERS.length; // 15
const PAD_ID = EOS_ID + 1; // 16

/** The files of examples/models/arith-tiny, by name. */
export function arithTinyFiles(): Record<string, unknown> {
  const tokenizer = characterTokenizerFiles({ characters: ARITH_CHARACTERS, specialTokens: ARITH_SPECIAL_TOKENS, modelMaxLength: 32 });
  return taskModelFiles(tokenizer, { vocabSize: PAD_ID + 1, maxPositionEmbeddings: 32, eosTokenId: EOS_ID, padTokenId: PAD_ID, maxNewTokens: 6 });
}

/**
 * A task model's files: the config.json of a small Qwen2 (3 layers of width 128, tied
 * embeddings, float32), its generation_config.json (greedy) and the given tokenizer files.
 */
export function taskModelFiles(
  tokenizer: Record<string, unknown>,
  o: { vocabSize: number; maxPositionEmbeddings: number; eosTokenId: number; padTokenId: number; maxNewTokens: number },
): Record<string, unknown> {
  const config = {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    vocab_size: o.vocabSize,
    hidden_size: 128,
    intermediate_size: 384,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    num_key_value_heads: 4,
    head_dim: 32,
    hidden_act: 'silu',
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    max_position_embeddings: o.maxPositionEmbeddings,
    tie_word_embeddings: true,
    initializer_range: 0.02,
    attention_dropout: 0.0,
    use_sliding_window: false,
    use_cache: true,
    eos_token_id: o.eosTokenId,
    pad_token_id: o.padTokenId,
    dtype: 'float32',
  };
  const generation = { eos_token_id: o.eosTokenId, pad_token_id: o.padTokenId, do_sample: false, max_new_tokens: o.maxNewTokens };
  return { 'config.json': config, 'generation_config.json': generation, ...tokenizer };
}

/** Writes `files` (JSON, by name) into `out`. */
export function writeModelFiles(out: string, files: Record<string, unknown>): void {
  mkdirSync(out, { recursive: true });
  for (const [name, value] of Object.entries(files)) writeFileSync(join(out, name), `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote ${Object.keys(files).join(', ')} -> ${out}`);
}

if (process.argv[1]?.endsWith('make-arith-tiny.js')) writeModelFiles(process.argv[2] ?? 'examples/models/arith-tiny', arithTinyFiles());
