/**
 * Trains a byte-level BPE tokenizer on text files and writes a Hugging Face tokenizer
 * directory (tokenizer.json + tokenizer_config.json). The result is what Python `tokenizers`
 * gives for the same files and settings:
 *
 * ```python
 * tok = Tokenizer(BPE())
 * tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
 * tok.post_processor = processors.ByteLevel(trim_offsets=False)
 * tok.decoder = decoders.ByteLevel()
 * tok.train(files, BpeTrainer(vocab_size=N, min_frequency=K, special_tokens=[...],
 *                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
 * ```
 *
 * ```ts
 * const trained = await trainByteLevelTokenizer(['corpus.txt'], { vocabSize: 8000 });
 * saveTokenizerFiles('out/tokenizer', trained.files);
 * Tokenizer.fromPretrained('out/tokenizer').encode('Hello world');
 * ```
 *
 * (npm `tokenizers`, HF's own Node binding, can only train with its default trainer settings,
 * so the trainer is written here; see scripts/check_tokenizer_train.py for the comparison.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SPECIALS } from '../byte-tokenizer.js';
import { BYTE_ALPHABET } from './byte-level.js';
import { checkCorpusFiles, readCorpus } from './corpus.js';
import { byteLevelBpeFiles, stringifyTokenizerJson, type ByteLevelBpeFilesOptions, type HfTokenizerFiles } from './hf-files.js';
import { trainBpe, type BpeModel } from './trainer.js';
import { ByteLevelWordCounter } from './word-counter.js';

/**
 * The token roles, chat template and model_max_length go to the files as ByteLevelBpeFilesOptions
 * says, with these defaults: eos `<|endoftext|>` and pad `<|pad|>` when they are special tokens,
 * no bos or unk (byte-level BPE encodes any text), no chat template, no length limit.
 */
export interface TrainTokenizerOptions extends Omit<ByteLevelBpeFilesOptions, 'specialTokens'> {
  /** Vocabulary size to reach, special tokens and the 256 byte symbols included. */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often (default 0, HF's default). */
  minFrequency?: number;
  /** Given ids 0..k-1 (default `<|endoftext|>`, `<|pad|>`, `<|im_start|>`, `<|im_end|>`). */
  specialTokens?: readonly string[];
  /** Record fields holding text in .jsonl/.json/.parquet files (default `['text']`). */
  textFields?: readonly string[];
}

export interface TrainedTokenizer {
  files: HfTokenizerFiles;
  model: BpeModel;
  corpus: { sequences: number; words: number; distinctWords: number };
}

/** Reads `files`, counts words, trains, and returns the tokenizer files (nothing is written). */
export async function trainByteLevelTokenizer(files: readonly string[], options: TrainTokenizerOptions): Promise<TrainedTokenizer> {
  const specialTokens = options.specialTokens ?? DEFAULT_SPECIALS;
  const fileOptions = {
    specialTokens,
    bosToken: options.bosToken ?? null,
    eosToken: options.eosToken === undefined ? defaultIfPresent('<|endoftext|>', specialTokens) : options.eosToken,
    padToken: options.padToken === undefined ? defaultIfPresent('<|pad|>', specialTokens) : options.padToken,
    unkToken: options.unkToken ?? null,
    ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
    ...(options.modelMaxLength !== undefined ? { modelMaxLength: options.modelMaxLength } : {}),
  };
  checkOptions(options, specialTokens, fileOptions);
  checkCorpusFiles(files);

  const counter = new ByteLevelWordCounter();
  for await (const text of readCorpus(files, options.textFields !== undefined ? { textFields: options.textFields } : {})) counter.add(text);
  if (counter.total === 0) {
    throw new Error(`no text to train on: ${files.join(', ')} hold ${counter.sequences} sequences, all empty; check the files (and --text-field for records)`);
  }
  const model = trainBpe(counter.words(), {
    vocabSize: options.vocabSize,
    minFrequency: options.minFrequency ?? 0,
    specialTokens,
    initialAlphabet: BYTE_ALPHABET,
  });
  return {
    files: byteLevelBpeFiles(model, fileOptions),
    model,
    corpus: { sequences: counter.sequences, words: counter.total, distinctWords: counter.distinct },
  };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (created if needed); returns their paths. */
export function saveTokenizerFiles(dir: string, files: HfTokenizerFiles): string[] {
  mkdirSync(dir, { recursive: true });
  const tokenizerPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  writeFileSync(tokenizerPath, stringifyTokenizerJson(files['tokenizer.json']));
  writeFileSync(configPath, JSON.stringify(files['tokenizer_config.json'], null, 2) + '\n');
  return [tokenizerPath, configPath];
}

function defaultIfPresent(token: string, specials: readonly string[]): string | null {
  return specials.includes(token) ? token : null;
}

/** The checks that need no corpus, so that a bad option fails before minutes of counting. */
function checkOptions(options: TrainTokenizerOptions, specials: readonly string[], named: Record<string, unknown>): void {
  const { vocabSize, minFrequency = 0, modelMaxLength } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`vocab size must be a positive integer, got ${vocabSize}`);
  if (!Number.isInteger(minFrequency) || minFrequency < 0) throw new Error(`min frequency must be an integer >= 0, got ${minFrequency}`);
  if (modelMaxLength !== undefined && (!Number.isInteger(modelMaxLength) || modelMaxLength < 1)) {
    throw new Error(`model max length must be a positive integer, got ${modelMaxLength}`);
  }
  const empty = specials.findIndex((t) => t.length === 0);
  if (empty >= 0) throw new Error(`special token ${empty + 1} of ${JSON.stringify(specials)} is empty`);
  const base = new Set([...specials, ...BYTE_ALPHABET]).size;
  if (vocabSize < base) {
    throw new Error(
      `vocab size ${vocabSize} is smaller than the ${BYTE_ALPHABET.length} byte symbols plus ${base - BYTE_ALPHABET.length} special tokens (${base}) every byte-level tokenizer starts with; ` +
        `ask for more than ${base} (a few thousand for real text) or fewer special tokens`,
    );
  }
  for (const key of ['bosToken', 'eosToken', 'padToken', 'unkToken']) {
    const token = named[key];
    if (typeof token === 'string' && !specials.includes(token)) {
      throw new Error(`${key} ${JSON.stringify(token)} is not one of the special tokens ${JSON.stringify(specials)}; add it to them`);
    }
  }
}
