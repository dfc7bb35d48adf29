/**
 * Plain-text corpora, streamed: a `.txt` file is a sequence of documents, one per line (the
 * default) or separated by blank lines (`blank_line`, for paragraphs that span lines). Each
 * document is yielded as `{ text }` with the line it starts on.
 *
 * ```ts
 * for await (const { value, source } of readText('corpus.txt', 'blank_line')) console.log(source.line, value);
 * ```
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawRow } from './types.js';

/** How a `.txt` file is cut into documents (`data.text_documents`). */
export const TEXT_DOCUMENT_MODES = ['line', 'blank_line'] as const;
export type TextDocumentMode = (typeof TEXT_DOCUMENT_MODES)[number];

/** Yields the documents of a text file; blank documents are skipped. */
export async function* readText(file: string, mode: TextDocumentMode = 'line'): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let paragraph: string[] = [];
  let start = 0;
  const flush = (): RawRow | null => {
    const text = paragraph.join('\n');
    paragraph = [];
    return text.trim() === '' ? null : { value: { text }, source: { file, line: start } };
  };
  try {
    for await (const text of lines) {
      line++;
      if (mode === 'line') {
        if (text.trim() !== '') yield { value: { text }, source: { file, line } };
        continue;
      }
      if (text.trim() === '') {
        const doc = flush();
        if (doc !== null) yield doc;
        continue;
      }
      if (paragraph.length === 0) start = line;
      paragraph.push(text);
    }
    const last = flush();
    if (last !== null) yield last;
  } finally {
    lines.close();
  }
}
