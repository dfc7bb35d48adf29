/**
 * Sentence embeddings from token hidden states, as sentence-transformers' Pooling module:
 * - `mean`: the average over positions whose mask is 1 (padding never counts);
 * - `cls`: the first real token: position 0 with right padding (BERT's [CLS]), and the first
 *   unmasked position with left padding, where position 0 is padding;
 * - `last`: the last real token, whichever side is padded (the usual choice for decoders,
 *   whose last token has attended to the whole text).
 *
 * ```ts
 * const h = encoder.encode(inputIds, attentionMask);                     // (B, T, H)
 * const e = poolEmbeddings(h, attentionMask, 'mean', { normalize: true }); // (B, H), unit rows
 * ```
 */
import { pool } from '../models/heads.js';
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape } from '../rl/shapes.js';
import { l2Normalize } from './normalize.js';

export const SENTENCE_POOLINGS = ['mean', 'cls', 'last'] as const;
export type SentencePooling = (typeof SENTENCE_POOLINGS)[number];

export interface PoolEmbeddingsOptions {
  /** L2-normalise each pooled vector (cosine similarity becomes a dot product). Default false. */
  normalize?: boolean;
}

/** One vector per row (B, H) from hidden states (B, T, H) and a mask (B, T) with 1 on real tokens. */
export function poolEmbeddings(hidden: Tensor, mask: Tensor, pooling: SentencePooling, options: PoolEmbeddingsOptions = {}): Tensor {
  if (hidden.ndim !== 3) throw new RangeError(`poolEmbeddings: 'hidden' must be 3-D [B, T, H], got [${hidden.shape.join(', ')}]`);
  const [B, T, H] = hidden.shape as [number, number, number];
  assertShape('poolEmbeddings', 'mask', mask, [B, T]);
  return tidy(() => {
    const real = mask.ne(0); // (B, T)
    // One host sync: an all-padding row has no embedding, and mean pooling would divide by zero.
    const empty = real.any({ dim: 1 }).logicalNot().nonzero();
    if (empty.shape[0] !== 0) throw new RangeError(`poolEmbeddings: row ${String((empty.flatten().toArray() as number[])[0])} of the mask has no real token`);
    const pooled = poolRows(hidden, real, pooling, B, H);
    return options.normalize ? l2Normalize(pooled) : pooled;
  });
}

function poolRows(hidden: Tensor, real: Tensor, pooling: SentencePooling, B: number, H: number): Tensor {
  switch (pooling) {
    case 'cls': {
      const first = real.to('int64').argmax({ dim: 1 }); // (B) argmax returns the first of the maxima
      return hidden.gather(1, first.view(B, 1, 1).expand(B, 1, H)).squeeze(1); // (B, H)
    }
    case 'mean':
    case 'last':
      return pool(hidden, real, pooling); // heads.ts: masked mean; last = argmax(arange(T)·mask), either padding side
    default: {
      const never: never = pooling;
      throw new TypeError(`poolEmbeddings: unknown pooling '${String(never)}'`);
    }
  }
}
