/**
 * The texts a tokenizer trains on, streamed from files:
 *
 * - `.txt`: one document per line, each line keeping its `\n` (or `\r\n`), as HF tokenizers'
 *   `Tokenizer.train(files)` reads them; the text must be UTF-8.
 * - `.jsonl` / `.ndjson` / `.json` / `.parquet`: one record per row, each of `textFields`
 *   (default `text`) present in it being one sequence, as `train_from_iterator` would see them.
 *
 * ```ts
 * for await (const text of readCorpus(['data/sample/sft.jsonl'], { textFields: ['prompt', 'response'] })) counter.add(text);
 * ```
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { DataError } from '../../data/errors.js';
import { readRows } from '../../data/readers/index.js';

export interface CorpusOptions {
  /** Record fields holding text, for the record formats (default `['text']`). */
  textFields?: readonly string[];
}

const RECORD_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.parquet'];
const TEXT_EXTENSIONS = ['.txt'];

/** Throws, naming the file, unless every file exists and has a format the corpus reads. */
export function checkCorpusFiles(files: readonly string[]): void {
  if (files.length === 0) throw new Error('no training files given: pass .txt (one document per line) or .jsonl files with a text field');
  for (const file of files) {
    if (!existsSync(file)) throw new DataError({ file }, 'no such file');
    if (!statSync(file).isFile()) throw new DataError({ file }, 'not a file');
    const ext = extname(file).toLowerCase();
    if (!TEXT_EXTENSIONS.includes(ext) && !RECORD_EXTENSIONS.includes(ext)) {
      throw new DataError({ file }, `unknown extension '${ext}': expected ${[...TEXT_EXTENSIONS, ...RECORD_EXTENSIONS].join(', ')}`);
    }
  }
}

/** Every sequence of every file, in order. */
export async function* readCorpus(files: readonly string[], options: CorpusOptions = {}): AsyncGenerator<string> {
  const fields = options.textFields ?? ['text'];
  checkCorpusFiles(files);
  for (const file of files) {
    if (TEXT_EXTENSIONS.includes(extname(file).toLowerCase())) yield* readLines(file);
    else yield* readRecordTexts(file, fields);
  }
}

/** Lines with their endings; a last line without one is yielded as it is. */
async function* readLines(file: string): AsyncGenerator<string> {
  // fatal: a non-UTF-8 file is an error, as in HF; ignoreBOM keeps a leading U+FEFF as HF does.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let rest = '';
  let line = 1;
  const decode = (chunk?: Buffer): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new DataError({ file, line }, 'not UTF-8 text; convert it first (e.g. iconv -t UTF-8)');
    }
  };
  for await (const chunk of createReadStream(file)) {
    rest += decode(chunk as Buffer);
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      yield rest.slice(start, end + 1);
      start = end + 1;
      line++;
    }
    rest = rest.slice(start);
  }
  rest += decode();
  if (rest.length > 0) yield rest;
}

async function* readRecordTexts(file: string, fields: readonly string[]): AsyncGenerator<string> {
  for await (const row of readRows(file)) {
    if (row.error !== undefined) throw row.error;
    const record = row.value;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DataError(row.source, `expected a JSON object with ${quoteFields(fields)}, got ${Array.isArray(record) ? 'an array' : JSON.stringify(record)}`);
    }
    let found = 0;
    for (const field of fields) {
      const value = (record as Record<string, unknown>)[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw new DataError(row.source, `field '${field}' is ${Array.isArray(value) ? 'an array' : typeof value}, not text`, field);
      found++;
      yield value;
    }
    if (found === 0) {
      const keys = Object.keys(record);
      throw new DataError(row.source, `no ${quoteFields(fields)} field; the record has ${keys.length > 0 ? keys.join(', ') : 'no fields'}. Pick the text fields with --text-field (e.g. --text-field ${keys.slice(0, 2).join(',') || 'text'})`);
    }
  }
}

function quoteFields(fields: readonly string[]): string {
  return fields.map((f) => `'${f}'`).join(' or ');
}
