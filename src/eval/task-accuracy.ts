/**
 * Exact-match accuracy of a language model on prompts with one right answer (the arithmetic
 * task, GSM8K-style final answers): generate a completion for every prompt and compare it
 * with the reference, as the `exact_match` reward does. Greedy by default, which gives the model's accuracy;
 * with `generation: { doSample: true, ... }` it is the mean exact-match reward a sampling
 * policy (GRPO, PPO) collects.
 *
 * ```ts
 * const model = loadCausalLm('outputs/arith-sft');
 * const tok = Tokenizer.fromPretrained('outputs/arith-sft');
 * const { records } = await loadDataset('data/arithmetic/eval.jsonl', { format: 'prompt' });
 * const r = exactMatchAccuracy(model, tok, records, { maxNewTokens: 6 });
 * console.log(`${r.correct}/${r.total} = ${r.accuracy}`);   // e.g. 101/200 = 0.505
 * ```
 */
import { tokenizePrompt } from '../data/collate/sft.js';
import type { ChatTemplateMode } from '../data/collate/types.js';
import type { PromptRecord } from '../data/records.js';
import { generate } from '../generation/generate.js';
import type { GenerationConfig } from '../generation/config.js';
import type { CausalLm } from '../models/types.js';
import type { TextTokenizer } from '../tokenizers/index.js';
import { exactMatch } from './metrics/answer-match.js';

export { exactMatch };

export interface ExactMatchOptions {
  /** Tokens generated per prompt at most (default 16). */
  maxNewTokens?: number;
  /** Prompts per generate() call (default 64). */
  batchSize?: number;
  /** Generation settings over greedy decoding, e.g. `{ doSample: true, temperature: 1, seed: 0 }`. */
  generation?: Partial<GenerationConfig>;
  /** Which prompts use the chat template, as training's `data.chat_template` (default 'auto': message lists only). */
  chatTemplate?: ChatTemplateMode;
}

export interface ExactMatchSample {
  prompt: string;
  reference: string;
  /** The decoded completion without special tokens, untrimmed. */
  completion: string;
  correct: boolean;
}

export interface ExactMatchResult {
  /** correct / total. */
  accuracy: number;
  correct: number;
  total: number;
  /** One per record, in order. */
  samples: ExactMatchSample[];
}

type Scored = Pick<PromptRecord, 'prompt' | 'reference'>;

/**
 * Generates for every record and counts exact matches with its `reference`. The model should
 * be in eval mode (`loadCausalLm` returns it so); a record without a reference throws.
 */
export function exactMatchAccuracy(
  model: CausalLm,
  tokenizer: TextTokenizer & { chatTemplate: unknown },
  records: readonly Scored[],
  options: ExactMatchOptions = {},
): ExactMatchResult {
  const { maxNewTokens = 16, batchSize = 64, generation = {} } = options;
  if (records.length === 0) throw new Error('exactMatchAccuracy: no records to evaluate');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`exactMatchAccuracy: batchSize must be a positive integer, got ${batchSize}`);
  const chatTemplate = options.chatTemplate ?? 'auto';
  const references = records.map((r, i) => {
    if (r.reference === undefined) throw new Error(`exactMatchAccuracy: record ${i} has no reference`);
    return r.reference;
  });
  const config: Partial<GenerationConfig> = {
    ...(tokenizer.eosTokenId === null ? {} : { eosTokenId: tokenizer.eosTokenId }),
    ...(tokenizer.padTokenId === null ? {} : { padTokenId: tokenizer.padTokenId }),
    ...generation,
    maxNewTokens,
  };
  const samples: ExactMatchSample[] = [];
  for (let start = 0; start < records.length; start += batchSize) {
    const batch = records.slice(start, start + batchSize);
    const prompts = batch.map((r) => tokenizePrompt(tokenizer, { kind: 'prompt', prompt: r.prompt }, { chatTemplate }).inputIds);
    // Only the first batch takes the seed, so later batches continue the stream instead of repeating it.
    const outputs = generate(model, prompts, start === 0 ? config : { ...config, seed: undefined });
    outputs.forEach((out, i) => {
      const record = batch[i] as Scored;
      const reference = references[start + i] as string;
      const completion = tokenizer.decode(out.tokenIds, { skipSpecialTokens: true });
      samples.push({ prompt: typeof record.prompt === 'string' ? record.prompt : JSON.stringify(record.prompt), reference, completion, correct: exactMatch(completion, reference) });
    });
  }
  const correct = samples.filter((s) => s.correct).length;
  return { accuracy: correct / samples.length, correct, total: samples.length, samples };
}
