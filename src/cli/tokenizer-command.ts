/**
 * `rlhf tokenizer train`: a byte-level BPE tokenizer trained on text files, written as a
 * Hugging Face tokenizer directory that `Tokenizer.fromPretrained` and transformers'
 * `AutoTokenizer` load. See docs/pretraining.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ChatTemplate, CHATML_TEMPLATE, Tokenizer } from '../tokenizers/index.js';
import { saveTokenizerFiles, trainByteLevelTokenizer, type TrainTokenizerOptions } from '../tokenizers/bpe/train-tokenizer.js';
import type { BpeModel } from '../tokenizers/bpe/trainer.js';

export const TOKENIZER_USAGE = `rlhf tokenizer train --vocab-size N --out DIR [options] FILES...
  Byte-level BPE (GPT-2 style, Hugging Face's trainer) on .txt files (one document per line)
  and .jsonl/.json/.parquet records; writes DIR/tokenizer.json and DIR/tokenizer_config.json.
  --vocab-size N          vocabulary size, special tokens and the 256 byte symbols included
  --min-frequency K       merge only pairs seen at least K times (default 0)
  --special-tokens LIST   comma-separated, ids 0.. in order; repeatable; '' for none
                          (default <|endoftext|>,<|pad|>,<|im_start|>,<|im_end|>)
  --text-field LIST       record fields holding text, comma-separated (default text)
  --bos-token T, --eos-token T, --pad-token T, --unk-token T
                          special tokens by role ('none' for none; default eos <|endoftext|>,
                          pad <|pad|> when they are special tokens, no bos or unk)
  --chat-template NAME|FILE  built-in ${Object.keys(chatTemplates()).join(', ')} or a Jinja file
  --model-max-length N    written to tokenizer_config.json (default: no limit)
  --out DIR               the tokenizer directory to write`;

/** Built-in chat templates and the special tokens each relies on. */
function chatTemplates(): Record<string, { source: string; needs: readonly string[] }> {
  return { chatml: { source: CHATML_TEMPLATE, needs: ['<|im_start|>', '<|im_end|>'] } };
}

// Round-tripped through the written tokenizer as a last check: English, Chinese, emoji.
const PROBE = 'Hello world! 你好，世界 🙂';

export async function runTokenizer(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'train') throw new Error(`unknown tokenizer command '${sub ?? ''}'\nusage: ${TOKENIZER_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'vocab-size': { type: 'string' },
      'min-frequency': { type: 'string' },
      'special-tokens': { type: 'string', multiple: true },
      'text-field': { type: 'string', multiple: true },
      'bos-token': { type: 'string' },
      'eos-token': { type: 'string' },
      'pad-token': { type: 'string' },
      'unk-token': { type: 'string' },
      'chat-template': { type: 'string' },
      'model-max-length': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values['vocab-size'] === undefined) throw new Error('tokenizer train needs --vocab-size N (e.g. 8000)');
  if (values.out === undefined) throw new Error('tokenizer train needs --out DIR, the directory to write the tokenizer into');
  if (positionals.length === 0) throw new Error('tokenizer train needs the files to train on: .txt (one document per line) or .jsonl with a text field');

  const specialTokens = values['special-tokens'] === undefined ? undefined : splitList(values['special-tokens']);
  const options: TrainTokenizerOptions = {
    vocabSize: integer('vocab-size', values['vocab-size']),
    ...(values['min-frequency'] !== undefined ? { minFrequency: integer('min-frequency', values['min-frequency']) } : {}),
    ...(specialTokens !== undefined ? { specialTokens } : {}),
    ...(values['text-field'] !== undefined ? { textFields: splitList(values['text-field']) } : {}),
    ...role('bosToken', values['bos-token']),
    ...role('eosToken', values['eos-token']),
    ...role('padToken', values['pad-token']),
    ...role('unkToken', values['unk-token']),
    ...(values['model-max-length'] !== undefined ? { modelMaxLength: integer('model-max-length', values['model-max-length']) } : {}),
  };
  if (values['chat-template'] !== undefined) options.chatTemplate = loadChatTemplate(values['chat-template'], specialTokens);

  const started = Date.now();
  const trained = await trainByteLevelTokenizer(positionals, options);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const { corpus, model } = trained;
  console.log(`tokenizer train: ${corpus.sequences} sequences, ${corpus.words} words (${corpus.distinctWords} distinct) from ${positionals.length} file(s); trained in ${seconds} s`);
  console.log(`tokenizer train: ${describeVocab(model, options.vocabSize, options.minFrequency ?? 0)}`);
  console.log(`tokenizer train: special tokens ${describeSpecials(trained.files['tokenizer_config.json'])}`);
  const written = saveTokenizerFiles(values.out, trained.files);
  console.log(`tokenizer train: wrote ${written.join(', ')}`);

  const tok = Tokenizer.fromPretrained(values.out);
  const ids = tok.encode(PROBE, { addSpecialTokens: false });
  const back = tok.decode(ids);
  if (back !== PROBE) throw new Error(`the written tokenizer does not round-trip ${JSON.stringify(PROBE)}: decodes to ${JSON.stringify(back)}`);
  console.log(`tokenizer train: loads and round-trips ${JSON.stringify(PROBE)} in ${ids.length} tokens (${new TextEncoder().encode(PROBE).length} bytes)`);
  return 0;
}

function describeVocab(model: BpeModel, asked: number, minFrequency: number): string {
  const size = `vocabulary ${model.vocab.length}, ${model.merges.length} merges`;
  switch (model.stopReason) {
    case 'vocab-size':
      return `${size}`;
    case 'min-frequency':
      return `${size}: stopped short of ${asked} because no pair left occurs ${minFrequency} times or more (--min-frequency)`;
    case 'no-pairs':
      return `${size}: stopped short of ${asked} because every word is already one token; give more text or a smaller --vocab-size`;
    default: {
      const never: never = model.stopReason;
      return never;
    }
  }
}

/** `<|endoftext|> 0 (eos), <|pad|> 1 (pad), ...` from tokenizer_config.json. */
function describeSpecials(config: Record<string, unknown>): string {
  const decoder = config['added_tokens_decoder'] as Record<string, { content: string }>;
  const roles = ['bos', 'eos', 'pad', 'unk'];
  const listed = Object.entries(decoder).map(([id, { content }]) => {
    const mine = roles.filter((role) => config[`${role}_token`] === content);
    return `${content} ${id}${mine.length > 0 ? ` (${mine.join(', ')})` : ''}`;
  });
  return listed.length > 0 ? listed.join(', ') : 'none';
}

function loadChatTemplate(spec: string, specialTokens: readonly string[] | undefined): string {
  const builtIn = chatTemplates()[spec];
  if (builtIn !== undefined) {
    const missing = specialTokens === undefined ? [] : builtIn.needs.filter((t) => !specialTokens.includes(t));
    if (missing.length > 0) throw new Error(`--chat-template ${spec} needs the special tokens ${missing.join(', ')}; add them to --special-tokens`);
    return builtIn.source;
  }
  if (!existsSync(spec)) throw new Error(`--chat-template '${spec}' is neither a built-in template (${Object.keys(chatTemplates()).join(', ')}) nor a file`);
  const source = readFileSync(spec, 'utf8');
  new ChatTemplate(source, spec); // throws if it does not compile
  return source;
}

function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).filter((v) => v.length > 0);
}

function integer(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${flag} expects an integer, got '${value}'`);
  return n;
}

function role(key: 'bosToken' | 'eosToken' | 'padToken' | 'unkToken', value: string | undefined): Partial<TrainTokenizerOptions> {
  if (value === undefined) return {};
  return { [key]: value === 'none' ? null : value };
}
