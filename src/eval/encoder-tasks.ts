/**
 * Evaluation tasks of an encoder (a run of training.algorithm mlm or contrastive):
 * - retrieval: held-out anchor/positive pairs are embedded (contrastive.pooling), each anchor ranks
 *   every positive by cosine similarity: top-1 accuracy and mean reciprocal rank;
 * - masked_lm: held-out text with mlm.mask_prob of its tokens masked (seeded by training.seed, so
 *   every checkpoint sees the same masks): accuracy and loss of the predicted tokens.
 *
 * ```ts
 * const m = retrievalEvalMetrics(encoder, tokenizer, pairs, { pooling: 'mean', batchSize: 16, maxLength: 128 }); // { 'retrieval/top1_accuracy': 0.8, ... }
 * ```
 */
import { embedTexts, retrievalMetrics, type SentenceEncoder, type SentencePooling } from '../contrastive/index.js';
import { maskTokens, type PairRecord } from '../data/index.js';
import * as F from '../nn/functional.js';
import { noGrad, tensor, tidy } from '../tensor/index.js';
import type { Tokenizer } from '../tokenizers/index.js';
import type { MaskedLmModel } from '../models/index.js';
import type { Metrics } from './tasks.js';

export function retrievalEvalMetrics(
  encoder: SentenceEncoder, tokenizer: Tokenizer, pairs: readonly PairRecord[], o: { pooling: SentencePooling; batchSize: number; maxLength: number },
): Metrics {
  if (pairs.length < 2) throw new Error(`retrieval: ${pairs.length} pair(s); ranking needs at least 2`);
  encoder.module.eval();
  const options = { pooling: o.pooling, batchSize: o.batchSize, maxLength: o.maxLength };
  return tidy(() => {
    const anchors = tensor(embedTexts(encoder, tokenizer, pairs.map((p) => p.anchor), options));
    const positives = tensor(embedTexts(encoder, tokenizer, pairs.map((p) => p.positive), options));
    const r = retrievalMetrics(anchors, positives);
    return { 'retrieval/top1_accuracy': r.top1Accuracy, 'retrieval/mrr': r.mrr, 'retrieval/pairs': pairs.length };
  });
}

export interface MaskedLmEvalOptions {
  maskTokenId: number;
  maskProb: number;
  seed: number;
  batchSize: number;
  maxLength: number;
}

export function maskedLmEvalMetrics(m: MaskedLmModel, tokenizer: Tokenizer, texts: readonly string[], o: MaskedLmEvalOptions): Metrics {
  m.module.eval();
  const rows = texts.map((t) => tokenizer.encode(t, { addSpecialTokens: true }).slice(0, o.maxLength)).filter((r) => r.length > 0);
  const pad = tokenizer.padTokenId ?? 0;
  let lossSum = 0;
  let correct = 0;
  let masked = 0;
  for (let start = 0; start < rows.length; start += o.batchSize) {
    const batch = rows.slice(start, start + o.batchSize);
    const T = Math.max(...batch.map((r) => r.length));
    const padded = batch.map((r) => [...r, ...Array<number>(T - r.length).fill(pad)]);
    const out = maskTokens(padded, { maskTokenId: o.maskTokenId, vocabSize: tokenizer.vocabSize, specialIds: [...tokenizer.allSpecialIds, pad], maskProb: o.maskProb, seed: o.seed + start });
    if (out.numMasked === 0) continue;
    tidy(() => noGrad(() => {
      const attentionMask = tensor(batch.map((r) => [...r.map(() => 1), ...Array<number>(T - r.length).fill(0)]), { dtype: 'int64' });
      const { hidden } = m.encode({ inputIds: tensor(out.inputIds, { dtype: 'int64' }), attentionMask });
      const labels = tensor(out.labels, { dtype: 'int64' }).reshape(-1);
      const rowsMasked = labels.ne(-100).nonzero().squeeze(-1);
      const logits = m.predict(hidden.reshape(-1, hidden.size(-1)).indexSelect(0, rowsMasked)).float();
      const target = labels.indexSelect(0, rowsMasked);
      lossSum += F.crossEntropy(logits, target, { reduction: 'sum' }).item();
      correct += logits.argmax({ dim: -1 }).eq(target).sum().item();
    }));
    masked += out.numMasked;
  }
  if (masked === 0) throw new Error('masked_lm: no token was masked in the evaluation texts (too few, or all special)');
  return { 'masked_lm/accuracy': correct / masked, 'masked_lm/loss': lossSum / masked, 'masked_lm/masked_tokens': masked };
}
