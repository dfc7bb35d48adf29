/**
 * The tiny-qwen2 tokenizer (ChatML: eos <|im_end|> = 2, pad = 3, no BOS) and the TRL-made
 * golden file beside it. The JSON is not copied to dist/, so the directory is found from
 * either location of this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer, type ChatMessage } from '../../../src/tokenizers/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, '..', '..', 'fixtures', 'models', 'tiny-qwen2'), join(here, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'tiny-qwen2')];

export const MODEL_DIR: string = (() => {
  const dir = candidates.find((d) => existsSync(join(d, 'golden.json')));
  if (dir === undefined) throw new Error(`tiny-qwen2 fixtures not found (looked in ${candidates.join(', ')})`);
  return dir;
})();

export const tokenizer = Tokenizer.fromPretrained(MODEL_DIR);

/** golden.json `preference`: written by TRL's DPOTrainer tokenization and DataCollatorForPreference. */
export interface GoldenPreference {
  examples: { prompt: ChatMessage[]; chosen: ChatMessage[]; rejected: ChatMessage[] }[];
  prompt_ids: number[][];
  chosen_ids: number[][];
  rejected_ids: number[][];
  input_ids: number[][];
  attention_mask: number[][];
  completion_mask: number[][];
}

export const goldenPreference: GoldenPreference = (JSON.parse(readFileSync(join(MODEL_DIR, 'golden.json'), 'utf8')) as { preference: GoldenPreference }).preference;

/** `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n` — the default system turn the template inserts. */
export const SYSTEM_IDS = [1, 86, 92, 383, 72, 80, 202, 60, 286, 293, 261, 396, 73, 88, 79, 415, 17, 2, 202];
/** `<|im_start|>user\n` */
export const USER = [1, 413, 202];
/** `<|im_start|>assistant\n` */
export const ASSISTANT = [1, 68, 326, 202];
/** `<|im_end|>\n` */
export const END = [2, 202];
export const HI = [43, 76];
export const YO = [60, 82];
