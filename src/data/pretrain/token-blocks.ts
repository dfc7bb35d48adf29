/**
 * A tokenized corpus as packed blocks on disk: every document's ids (as `encode` gives them: EOS
 * appended for causal LM pretraining, [CLS] ... [SEP] for BERT's MLM), laid end to
 * end and cut into blocks of `blockLength` tokens (a document runs on into the next block), the
 * last block padded. The ids are written once to `blocks.bin` (int32, little-endian) and read
 * back one block at a time, so a corpus larger than memory trains; `meta.json`, written last,
 * marks a finished cache and holds the fingerprint of what built it.
 *
 * A block reads as a packed row (data/collate/packing.ts): position ids restart after every EOS,
 * so attention stays inside each document, and the first token of a document is not predicted
 * from the previous one (label -100).
 *
 * ```ts
 * const encode = (t: string) => [...tok.encode(t, { addSpecialTokens: false }), eosTokenId];
 * const blocks = await buildTokenBlocks(streamDocuments(files), encode, { dir, blockLength: 512, eosTokenId, padTokenId, fingerprint });
 * blocks.at(0); // { inputIds, labels, positionIds, numExamples }
 * ```
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { IGNORE_INDEX } from '../collate/types.js';
import type { PackedRow } from '../collate/packing.js';
import type { CorpusDocument } from './documents.js';

const BLOCKS_FILE = 'blocks.bin';
const META_FILE = 'meta.json';

export interface TokenBlocksMeta {
  fingerprint: string;
  blockLength: number;
  blocks: number;
  /** Tokens of the last block (the rest is padding). */
  lastBlockTokens: number;
  documents: number;
  tokens: number;
  /** Positions restart after this id (-1: never, one sequence per block). */
  eosTokenId: number;
  padTokenId: number;
}

export interface BuildTokenBlocksOptions {
  dir: string;
  blockLength: number;
  /** Positions restart after this id in the blocks read back (-1: never). */
  eosTokenId: number;
  padTokenId: number;
  /** What the cache was built from; an existing cache with another fingerprint is rebuilt. */
  fingerprint: string;
  /** Called every so many documents (progress). */
  onProgress?: (documents: number, tokens: number) => void;
}

/** Packed token blocks read from disk by index (an ExampleSource of packed rows). */
export class TokenBlocks {
  readonly length: number;
  private fd: number | null = null;

  constructor(readonly dir: string, readonly meta: TokenBlocksMeta) {
    this.length = meta.blocks;
  }

  /** The cache in `dir` when it is complete and its fingerprint matches, else null. */
  static open(dir: string, fingerprint: string): TokenBlocks | null {
    const file = join(dir, META_FILE);
    if (!existsSync(file)) return null;
    const meta = JSON.parse(readFileSync(file, 'utf8')) as TokenBlocksMeta;
    return meta.fingerprint === fingerprint ? new TokenBlocks(dir, meta) : null;
  }

  /** The ids of block `index` (without the padding of the last block). */
  ids(index: number): Int32Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new RangeError(`TokenBlocks: block ${index} of ${this.length}`);
    const L = this.meta.blockLength;
    const out = new Int32Array(L);
    this.fd ??= openSync(join(this.dir, BLOCKS_FILE), 'r');
    readSync(this.fd, new Uint8Array(out.buffer), 0, L * 4, index * L * 4);
    return index === this.length - 1 ? out.subarray(0, this.meta.lastBlockTokens) : out;
  }

  at(index: number): PackedRow | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return packedRowOf(this.ids(index), this.meta);
  }

  /** Every block in memory (validation sets). */
  toArray(): PackedRow[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i) as PackedRow);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A block as a packed row: positions restart after EOS, no label for a document's first token, padding to blockLength. */
export function packedRowOf(ids: Int32Array, meta: Pick<TokenBlocksMeta, 'blockLength' | 'eosTokenId' | 'padTokenId'>): PackedRow {
  const inputIds: number[] = [];
  const labels: number[] = [];
  const positionIds: number[] = [];
  let position = 0;
  let documents = 1;
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t] as number;
    inputIds.push(id);
    labels.push(position === 0 ? IGNORE_INDEX : id);
    positionIds.push(position);
    position += 1;
    if (id === meta.eosTokenId && t < ids.length - 1) {
      position = 0;
      documents += 1;
    }
  }
  for (let t = ids.length; t < meta.blockLength; t++) {
    inputIds.push(meta.padTokenId);
    labels.push(IGNORE_INDEX);
    positionIds.push(t - ids.length);
  }
  return { inputIds, labels, positionIds, numExamples: documents };
}

/** Tokenizes `documents` into `options.dir` (atomically: a killed build leaves no cache) and opens the result. */
export async function buildTokenBlocks(documents: AsyncIterable<CorpusDocument>, encode: (text: string) => number[], options: BuildTokenBlocksOptions): Promise<TokenBlocks> {
  const { dir, blockLength: L } = options;
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`buildTokenBlocks: blockLength (${L}) must be an integer of at least 2`);
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, META_FILE), { force: true });
  const partial = join(dir, `${BLOCKS_FILE}.partial`);
  const fd = openSync(partial, 'w');
  const block = new Int32Array(L);
  let filled = 0;
  let blocks = 0;
  let docs = 0;
  let tokens = 0;
  const flush = () => {
    writeSync(fd, new Uint8Array(block.buffer));
    blocks += 1;
    filled = 0;
  };
  try {
    for await (const doc of documents) {
      const ids = encode(doc.text);
      docs += 1;
      tokens += ids.length;
      for (const id of ids) {
        block[filled++] = id;
        if (filled === L) flush();
      }
      if (docs % 1000 === 0) options.onProgress?.(docs, tokens);
    }
    const lastBlockTokens = filled === 0 ? L : filled;
    if (filled > 0) {
      block.fill(options.padTokenId, filled);
      flush();
    }
    if (blocks === 0) throw new Error(`buildTokenBlocks: the corpus has no documents`);
    closeSync(fd);
    renameSync(partial, join(dir, BLOCKS_FILE));
    const meta: TokenBlocksMeta = { fingerprint: options.fingerprint, blockLength: L, blocks, lastBlockTokens, documents: docs, tokens, eosTokenId: options.eosTokenId, padTokenId: options.padTokenId };
    writeFileSync(join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    options.onProgress?.(docs, tokens);
    return new TokenBlocks(dir, meta);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
    throw err;
  }
}
