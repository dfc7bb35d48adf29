/**
 * Sentence embeddings of many texts: tokenized in batches with right padding, encoded, pooled.
 * Right padding keeps a decoder's real tokens at positions 0.. and blind to the padding, so a
 * text's embedding does not depend on the batch it lands in (left padding would shift its
 * positions); encoders are padded on the right as BERT always is.
 *
 * ```ts
 * const encoder = loadSentenceEncoder(dir);
 * const vectors = embedTexts(encoder, Tokenizer.fromPretrained(dir), ['a cat', 'a dog'], { pooling: 'mean', normalize: true });
 * ```
 */
import { noGrad, tidy } from '../tensor/index.js';
import { batchToTensors, type Tokenizer } from '../tokenizers/index.js';
import { poolEmbeddings, type SentencePooling } from './pooling.js';
import type { SentenceEncoder } from './sentence-encoder.js';

export interface EmbedTextsOptions {
  /** How token states become one vector. Default 'mean'. */
  pooling?: SentencePooling;
  /** L2-normalise each embedding. Default false. */
  normalize?: boolean;
  /** Texts per forward pass. Default 32. */
  batchSize?: number;
  /** Longest token sequence kept (longer texts are truncated). Default: the tokenizer's model_max_length. */
  maxLength?: number;
  /** Called after each batch with the number of texts embedded so far. */
  onBatch?: (done: number, total: number) => void;
}

/** One embedding (H numbers) per text, in order. */
export function embedTexts(encoder: SentenceEncoder, tokenizer: Tokenizer, texts: readonly string[], options: EmbedTextsOptions = {}): number[][] {
  const { pooling = 'mean', normalize = false, batchSize = 32, maxLength } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`embedTexts: batchSize (${batchSize}) must be a positive integer`);
  const out: number[][] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = texts.slice(start, start + batchSize);
    const encoded = tokenizer.encodeBatch(batch, { paddingSide: 'right', truncation: true, ...(maxLength !== undefined ? { maxLength } : {}) });
    encoded.attentionMask.forEach((row, i) => {
      if (!row.includes(1)) throw new RangeError(`embedTexts: text ${start + i + 1} (${JSON.stringify(batch[i])}) has no tokens to embed`);
    });
    const rows = tidy(() => noGrad(() => {
      const { inputIds, attentionMask } = batchToTensors(encoded, { device: encoder.module.device });
      const hidden = encoder.encode(inputIds, attentionMask); // (B, T, H)
      return poolEmbeddings(hidden.to('float32'), attentionMask, pooling, { normalize }).toArray() as number[][];
    }));
    out.push(...rows);
    options.onBatch?.(out.length, texts.length);
  }
  return out;
}
