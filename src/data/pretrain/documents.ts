/**
 * The documents of a raw-text corpus, streamed: `.txt` files (one document per line, or
 * blank-line separated) and JSONL/JSON/Parquet rows with a `text` field, several files
 * interleaved by weight (each next document comes from a file drawn with probability
 * proportional to its weight among the files not yet exhausted, from a seeded stream, so the
 * order is the same on every run). One document is in memory at a time.
 *
 * ```ts
 * for await (const doc of streamDocuments([{ path: 'a.txt', weight: 2 }, { path: 'b.jsonl', weight: 1 }], { seed: 1 })) ...
 * ```
 */
import { DataError } from '../errors.js';
import type { OnError } from '../load.js';
import { parseText } from '../formats/text.js';
import { readRows, type TextDocumentMode } from '../readers/index.js';
import type { RecordSource } from '../records.js';
import { seededRandom } from '../collate/sampler.js';

export interface CorpusFile {
  path: string;
  /** Relative share of the documents drawn from this file (default 1). */
  weight?: number;
}

export interface StreamDocumentsOptions {
  /** How `.txt` files are cut into documents (data.text_documents). */
  textDocuments?: TextDocumentMode;
  /** Seed of the interleaving draws. */
  seed?: number;
  /** 'skip' drops rows that are not `{text}` objects (data.on_error); default 'fail'. */
  onError?: OnError;
}

export interface CorpusDocument {
  text: string;
  source: RecordSource;
}

async function* documentsOf(file: CorpusFile, options: StreamDocumentsOptions): AsyncGenerator<CorpusDocument> {
  for await (const row of readRows(file.path, undefined, options.textDocuments ?? 'line')) {
    try {
      if (row.error !== undefined) throw row.error;
      yield { text: parseText(row.value, { source: row.source, options: {} }).text, source: row.source };
    } catch (err) {
      if (!(err instanceof DataError) || options.onError !== 'skip') throw err;
    }
  }
}

/** The corpus's documents, files interleaved by weight. */
export async function* streamDocuments(files: readonly CorpusFile[], options: StreamDocumentsOptions = {}): AsyncGenerator<CorpusDocument> {
  if (files.length === 0) throw new Error('streamDocuments: no files (set data.datasets.text.train_files)');
  const random = seededRandom(options.seed ?? 0);
  const open = files.map((f) => ({ weight: f.weight ?? 1, it: documentsOf(f, options) }));
  while (open.length > 0) {
    let pick = 0;
    if (open.length > 1) {
      let r = random() * open.reduce((s, f) => s + f.weight, 0);
      while (pick < open.length - 1 && r >= (open[pick] as { weight: number }).weight) r -= (open[pick] as { weight: number }).weight, pick++;
    }
    const next = await (open[pick] as (typeof open)[number]).it.next();
    if (next.done === true) open.splice(pick, 1);
    else yield next.value;
  }
}
