/**
 * The inputs of `npm run bench -- scale`, written once per run for both sides: prompt ids for
 * generation (random ids of the model's vocabulary, seeded) and text rows for the training runs,
 * long enough that the fixture tokenizer (~4 tokens a word) gives more tokens than each shape
 * keeps, so every row is cut to exactly its shape on both sides.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../src/data/index.js';

export type TrainMode = 'sft' | 'dpo' | 'grpo';

/**
 * Rows per optimizer step and their lengths. sft: 2 rows x 512 tokens. dpo: 2 pairs, each side a
 * 256-token prompt + 256-token completion (4 policy rows x 512; the reference forward not
 * counted). grpo: one 480-token prompt x 2 completions of 32 new tokens (2 rows x 512), beta 0.
 */
export const TRAIN_SHAPES: Record<TrainMode, { rows: number; maxLength: number; maxPromptLength: number; newTokens: number; tokensPerStep: number; what: string }> = {
  sft: { rows: 2, maxLength: 512, maxPromptLength: 256, newTokens: 0, tokensPerStep: 2 * 512, what: '2 rows x 512 tokens' },
  dpo: { rows: 2, maxLength: 512, maxPromptLength: 256, newTokens: 0, tokensPerStep: 4 * 512, what: '2 pairs = 4 rows x (256 prompt + 256) + reference forward' },
  grpo: { rows: 2, maxLength: 512, maxPromptLength: 480, newTokens: 32, tokensPerStep: 2 * 512, what: '1 prompt x 2 completions = 2 rows x (480 prompt + 32 sampled), rollout included' },
};

/** The generation inputs: 64-token prompts (batch 1/8/32 use the first rows) and the rollout's 256-token ones. */
export const GENERATE_PROMPT_LENGTH = 64;
export const ROLLOUT_PROMPT_LENGTH = 256;
export const NEW_TOKENS = 32;
export const GROUP_SIZE = 8;

/** `rows` prompts of `length` ids in [4, 151000) (below Qwen's special tokens), seeded. */
export function randomPrompts(rows: number, length: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length }, () => 4 + Math.floor(random() * 150_996)));
}

const WORDS = 'the model learns to answer questions about training language models with rewards feedback policy value gradient sample token batch step loss'.split(' ');

function text(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}

/** sft.jsonl, pairs.jsonl and prompts.jsonl under `dir`, enough rows for `steps` steps of every shape. */
export function writeTrainData(dir: string, steps: number, seed = 0): void {
  const random = seededRandom(seed);
  const n = Math.max(8, 2 * steps + 2);
  const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(join(dir, 'sft.jsonl'), jsonl(Array.from({ length: n }, () => ({ text: text(random, 300) }))));
  writeFileSync(join(dir, 'pairs.jsonl'), jsonl(Array.from({ length: n }, () => ({ prompt: text(random, 150), chosen: text(random, 150), rejected: text(random, 150) }))));
  writeFileSync(join(dir, 'prompts.jsonl'), jsonl(Array.from({ length: n }, () => ({ prompt: text(random, 250) }))));
}
