/**
 * Where the tokenizer fixtures live (test/fixtures/tokenizer, copied from the shared
 * reference fixtures made by HF tokenizers 0.23.2 / transformers 5.18 / TRL 1.13). The JSON
 * is not copied to dist/, so it is found from either location of this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatMessage } from '../../src/tokenizers/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, '..', 'fixtures', 'tokenizer'), join(here, '..', '..', '..', 'test', 'fixtures', 'tokenizer')];

/** The directory holding tokenizer.json, tokenizer_config.json and the golden files. */
export const TOKENIZER_DIR: string = (() => {
  const dir = candidates.find((d) => existsSync(join(d, 'tokenizer.json')));
  if (dir === undefined) throw new Error(`tokenizer fixtures not found (looked in ${candidates.join(', ')})`);
  return dir;
})();

export interface GoldenTokenizer {
  cases: { text: string; ids: number[]; tokens: string[]; decoded: string }[];
  chat_template_cases: { messages: ChatMessage[]; add_generation_prompt: boolean; text: string; ids: number[] }[];
}

export interface GoldenBatches {
  forward: { texts: string[]; input_ids: number[][]; attention_mask: number[][] };
  preference: {
    examples: { prompt: ChatMessage[]; chosen: ChatMessage[]; rejected: ChatMessage[] }[];
    rendered_prompt: string[];
    prompt_ids: number[][];
    chosen_ids: number[][];
    rejected_ids: number[][];
  };
  grpo: {
    prompts: ChatMessage[][];
    completion_texts: string[][];
    prompt_ids: number[][];
    prompt_mask: number[][];
    completion_ids: number[][];
    completion_mask: number[][];
  };
}

/** HF encode/decode cases and chat-template renderings (golden_tokenizer.json). */
export function goldenTokenizer(): GoldenTokenizer {
  return JSON.parse(readFileSync(join(TOKENIZER_DIR, 'golden_tokenizer.json'), 'utf8')) as GoldenTokenizer;
}

/** Padded batches made by transformers and TRL (golden_batches.json; see its _source). */
export function goldenBatches(): GoldenBatches {
  return JSON.parse(readFileSync(join(TOKENIZER_DIR, 'golden_batches.json'), 'utf8')) as GoldenBatches;
}

export interface GoldenExtra {
  encode_cases: { text: string; ids: number[]; decoded: string; decoded_skip_special: string }[];
  batch_cases: {
    texts: string[];
    settings: { padding: 'longest' | 'max_length'; max_length?: number; truncation?: boolean; padding_side?: 'left' | 'right'; truncation_side?: 'left' | 'right'; pad_to_multiple_of?: number };
    input_ids: number[][];
    attention_mask: number[][];
  }[];
  chat_cases: { messages: ChatMessage[]; kwargs: Record<string, unknown>; text: string; ids: number[] }[];
}

/** Harder encode, batch and chat-template cases (golden_extra.json, made by make_golden_extra.py). */
export function goldenExtra(): GoldenExtra {
  return JSON.parse(readFileSync(join(TOKENIZER_DIR, 'golden_extra.json'), 'utf8')) as GoldenExtra;
}
