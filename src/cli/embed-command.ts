/**
 * `rlhf embed --model DIR (--text T ... | --input FILE) --out FILE.jsonl`: sentence embeddings,
 * one JSONL line `{"text", "embedding"}` per input in input order, computed in batches with a
 * progress bar on stderr.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { embedTexts, loadSentenceEncoder, SENTENCE_POOLINGS, type SentencePooling } from '../contrastive/index.js';
import { TrainingProgress } from '../monitor/index.js';
import { Tokenizer } from '../tokenizers/index.js';
import { parseDtype } from './model-session.js';

export const EMBED_USAGE = `rlhf embed --model DIR (--text TEXT ... | --input FILE) [--out FILE.jsonl] [--pooling ${SENTENCE_POOLINGS.join('|')}]
    [--normalize] [--batch-size N] [--max-length N] [--tokenizer DIR] [--dtype float32|bfloat16]
  One line {"text", "embedding"} per input, in input order, to --out (stdout without it). --input is
  plain text (one text per non-empty line) or JSONL with a "text" field. Pooling over the model's last
  hidden states: mean (default; real tokens only), cls (the first real token) or last (the last real
  token, the usual choice for decoders); --normalize gives unit-length vectors. Loads the decoders
  (llama, qwen2, mistral, gpt2) and encoders (bert, roberta) rlhf-ts supports.`;

export const EMBED_COMMAND = {
  summary: 'sentence embeddings of texts from a model directory (mean/cls/last pooling, optionally normalised), as JSONL',
  usage: EMBED_USAGE,
  run: runEmbed,
};

function positiveInt(flag: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`--${flag} expects a positive integer, got '${value}'`);
  return n;
}

/** Plain text: one text per non-empty line. JSONL: objects with a "text" string. */
export function readTexts(path: string): string[] {
  const jsonl = /\.jsonl$/i.test(path);
  const out: string[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    if (!jsonl) {
      out.push(line.replace(/\r$/, ''));
      return;
    }
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const text = (row as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') throw new Error(`${path}:${i + 1}: expected an object with a "text" string`);
    out.push(text);
  });
  if (out.length === 0) throw new Error(`${path}: no texts to embed`);
  return out;
}

export function runEmbed(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      tokenizer: { type: 'string' },
      text: { type: 'string', multiple: true },
      input: { type: 'string' },
      out: { type: 'string' },
      pooling: { type: 'string' },
      normalize: { type: 'boolean' },
      'batch-size': { type: 'string' },
      'max-length': { type: 'string' },
      dtype: { type: 'string' },
    },
    strict: true,
  });
  if (!values.model) throw new Error(`--model is required\nusage: ${EMBED_USAGE}`);
  if ((values.text === undefined) === (values.input === undefined)) throw new Error(`give --text or --input (one of them)\nusage: ${EMBED_USAGE}`);
  const pooling = (values.pooling ?? 'mean') as SentencePooling;
  if (!SENTENCE_POOLINGS.includes(pooling)) throw new Error(`--pooling must be ${SENTENCE_POOLINGS.join(', ')}, got '${values.pooling}'`);
  const batchSize = positiveInt('batch-size', values['batch-size'], 32) as number;
  const maxLength = positiveInt('max-length', values['max-length'], undefined);
  const texts = values.text ?? readTexts(values.input as string);

  const tokenizer = Tokenizer.fromPretrained(values.tokenizer ?? values.model);
  const encoder = loadSentenceEncoder(values.model, { dtype: parseDtype(values.dtype) });
  const progress = new TrainingProgress(Math.ceil(texts.length / batchSize), { stream: process.stderr });
  let step = 0;
  let done = 0;
  let embeddings: number[][];
  try {
    embeddings = embedTexts(encoder, tokenizer, texts, {
      pooling,
      normalize: values.normalize === true,
      batchSize,
      ...(maxLength !== undefined ? { maxLength } : {}),
      onBatch: (n) => {
        progress.update(++step, { samples: n - done });
        done = n;
      },
    });
  } finally {
    progress.stop();
    encoder.dispose();
  }
  const lines = texts.map((text, i) => JSON.stringify({ text, embedding: embeddings[i] }));
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${lines.join('\n')}\n`);
    console.error(`embed: ${texts.length} texts, ${embeddings[0]?.length ?? 0} dimensions (${pooling}${values.normalize ? ', normalized' : ''}) -> ${values.out}`);
  } else {
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}
