/**
 * Next-sentence-prediction pairs as BERT's pretraining data makes them (transformers'
 * TextDatasetForNextSentencePrediction): each document's segments are gathered into chunks of
 * up to `maxLength - 3` tokens (10% of chunks aim shorter), a chunk is cut at a random segment
 * boundary into A and B, and with probability `nspProb` B is replaced by segments from a random
 * other document (label 1, "not next"; the unused segments go back to the document). The pair
 * is trimmed to fit (the longer side loses a token at its front or back at random) and laid out
 * as `[CLS] A [SEP] B [SEP]` with token types 0 for `[CLS] A [SEP]` and 1 for `B [SEP]`.
 *
 * Segments: the lines of a multi-line document, else its sentences (split after . ! ? and
 * their CJK forms).
 *
 * ```ts
 * const pairs = buildNspExamples(docs.map((d) => segmentsOf(d).map((s) => tok.encode(s, { addSpecialTokens: false }))), { maxLength: 128, clsId, sepId, seed: 1 });
 * ```
 */
import { seededRandom } from '../collate/sampler.js';

export interface NspExample {
  inputIds: number[];
  tokenTypeIds: number[];
  /** 0: B follows A in the document; 1: B is from another document (transformers' next_sentence_label). */
  nextSentenceLabel: 0 | 1;
}

export interface NspOptions {
  maxLength: number;
  clsId: number;
  sepId: number;
  /** Share of pairs with a random B (mlm.nsp_prob, default 0.5). */
  nspProb?: number;
  /** Share of chunks that aim for a shorter random length (default 0.1, as BERT). */
  shortSeqProb?: number;
  seed: number;
}

/** A document's segments: its lines when it has several, else its sentences. */
export function segmentsOf(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1) return lines;
  return (lines[0] ?? '').split(/(?<=[.!?])\s+|(?<=[。！？])/).map((s) => s.trim()).filter((s) => s !== '');
}

/** Pairs from documents given as segments of token ids. */
export function buildNspExamples(documents: readonly (readonly (readonly number[])[])[], options: NspOptions): NspExample[] {
  const { nspProb = 0.5, shortSeqProb = 0.1 } = options;
  const maxTokens = options.maxLength - 3;
  if (maxTokens < 2) throw new RangeError(`buildNspExamples: maxLength (${options.maxLength}) leaves no room for two segments and [CLS] [SEP] [SEP]`);
  const random = seededRandom(options.seed);
  const randInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)); // inclusive, as Python's random.randint
  const docs = documents.filter((d) => d.length > 0);
  const out: NspExample[] = [];
  docs.forEach((doc, d) => {
    const target = random() < shortSeqProb ? randInt(2, maxTokens) : maxTokens;
    let chunk: (readonly number[])[] = [];
    let length = 0;
    for (let i = 0; i < doc.length; i++) {
      const segment = doc[i] as readonly number[];
      chunk.push(segment);
      length += segment.length;
      if (i !== doc.length - 1 && length < target) continue;
      if (chunk.length > 0) {
        const aEnd = chunk.length >= 2 ? randInt(1, chunk.length - 1) : 1;
        const a = chunk.slice(0, aEnd).flat();
        let b: number[] = [];
        let label: 0 | 1 = 0;
        if (docs.length > 1 && (chunk.length === 1 || random() < nspProb)) {
          label = 1;
          let other = d;
          for (let tries = 0; tries < 10 && other === d; tries++) other = randInt(0, docs.length - 1);
          const otherDoc = docs[other] as readonly (readonly number[])[];
          for (let j = randInt(0, otherDoc.length - 1); j < otherDoc.length && b.length < target - a.length; j++) b.push(...(otherDoc[j] as readonly number[]));
          i -= chunk.length - aEnd; // the segments not used go back to this document
        } else {
          b = chunk.slice(aEnd).flat();
        }
        trimPair(a, b, maxTokens, random);
        if (a.length > 0 && b.length > 0) {
          out.push({
            inputIds: [options.clsId, ...a, options.sepId, ...b, options.sepId],
            tokenTypeIds: [0, ...a.map(() => 0), 0, ...b.map(() => 1), 1],
            nextSentenceLabel: label,
          });
        }
      }
      chunk = [];
      length = 0;
    }
  });
  return out;
}

/** Removes tokens from the longer side, at its front or back at random, until both fit. */
function trimPair(a: number[], b: number[], maxTokens: number, random: () => number): void {
  while (a.length + b.length > maxTokens) {
    const longer = a.length > b.length ? a : b;
    if (random() < 0.5) longer.shift();
    else longer.pop();
  }
}
