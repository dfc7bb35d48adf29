/**
 * Masked language modelling on the shared loop: each micro-batch is masked afresh
 * (data/collate/mlm.ts, seeded from the torch RNG that checkpoints keep), the head runs on the
 * masked positions only, and the loss is their summed cross entropy (the loop divides by the
 * step's masked tokens: transformers' mean). With next-sentence prediction the pair loss is added
 * as BertForPreTraining adds it (MLM mean + NSP mean), the NSP mean weighted into the masked-token
 * sum by the micro-batch's masked tokens.
 *
 * Logged: mlm_loss, mlm_accuracy (argmax = label on masked tokens), num_masked (the step's
 * masked tokens), and with NSP nsp_loss and nsp_accuracy.
 */
import type { PackedRow, NspExample } from '../../data/index.js';
import { maskTokens, wordStartsOf } from '../../data/index.js';
import * as F from '../../nn/functional.js';
import { randint, tensor, type Tensor } from '../../tensor/index.js';
import type { Algorithm } from '../loop/index.js';
import type { MaskedLmModel } from '../../models/index.js';

/** A block of text (mlm) or a sentence pair (mlm + nsp). */
export type MlmExample = PackedRow | NspExample;

export interface MlmOptions {
  maskTokenId: number;
  padTokenId: number;
  vocabSize: number;
  specialIds: readonly number[];
  maskProb: number;
  maskReplaceProb: number;
  randomReplaceProb: number;
  /** Token strings by id, for whole-word masking; null: every token is its own word. */
  wholeWord: ((id: number) => string | undefined) | null;
}

const isPair = (e: MlmExample): e is NspExample => 'nextSentenceLabel' in e;

export function mlmAlgorithm(m: MaskedLmModel, o: MlmOptions): Algorithm<MlmExample> {
  return {
    name: 'mlm',
    model: m.module,
    loss(examples) {
      const rows = examples.map((e) => e.inputIds);
      const T = Math.max(...rows.map((r) => r.length));
      const padded = rows.map((r) => [...r, ...Array<number>(T - r.length).fill(o.padTokenId)]);
      const seed = randint(0, 2 ** 31 - 1, [1], { dtype: 'int64' }).item(); // torch's RNG: a resumed run draws the same
      const specialIds = [...o.specialIds, o.padTokenId];
      const wordStarts = o.wholeWord === null ? undefined : padded.map((r) => wordStartsOf(r, o.wholeWord as (id: number) => string | undefined, specialIds));
      const masked = maskTokens(padded, { maskTokenId: o.maskTokenId, vocabSize: o.vocabSize, specialIds, maskProb: o.maskProb, maskReplaceProb: o.maskReplaceProb, randomReplaceProb: o.randomReplaceProb, seed, ...(wordStarts === undefined ? {} : { wordStarts }) });
      const attentionMask = tensor(rows.map((r) => [...r.map(() => 1), ...Array<number>(T - r.length).fill(0)]), { dtype: 'int64' });
      const pairs = examples.every(isPair) ? (examples as NspExample[]) : null;
      const input = {
        inputIds: tensor(masked.inputIds, { dtype: 'int64' }),
        attentionMask,
        ...(pairs === null ? {} : { tokenTypeIds: tensor(pairs.map((p) => [...p.tokenTypeIds, ...Array<number>(T - p.tokenTypeIds.length).fill(0)]), { dtype: 'int64' }) }),
      };
      const { hidden, pooled } = m.encode(input);
      const labels = tensor(masked.labels, { dtype: 'int64' }).reshape(-1);
      const rowsMasked = labels.ne(-100).nonzero().squeeze(-1);
      const n = masked.numMasked;
      let loss: Tensor;
      let correct = 0;
      if (n > 0) {
        const logits = m.predict(hidden.reshape(-1, hidden.size(-1)).indexSelect(0, rowsMasked)).float(); // (n, V)
        const target = labels.indexSelect(0, rowsMasked);
        loss = F.crossEntropy(logits, target, { reduction: 'sum' });
        correct = logits.argmax({ dim: -1 }).eq(target).sum().item();
      } else {
        loss = hidden.sum().mul(0); // keeps the graph: nothing to predict in this micro-batch
      }
      const metrics: Record<string, number> = { mlm_loss: loss.detach().item(), mlm_accuracy: correct, num_masked: n };
      if (pairs !== null && m.nextSentence !== null && pooled !== null) {
        const nspLogits = m.nextSentence(pooled).float();
        const nspLabels = tensor(pairs.map((p) => p.nextSentenceLabel), { dtype: 'int64' });
        const nspMean = F.crossEntropy(nspLogits, nspLabels, { reduction: 'mean' });
        const weight = Math.max(n, 1);
        loss = loss.add(nspMean.mul(weight));
        metrics['nsp_loss'] = nspMean.detach().item() * weight;
        metrics['nsp_accuracy'] = (nspLogits.argmax({ dim: -1 }).eq(nspLabels).sum().item() / pairs.length) * weight;
      }
      return { loss, numTokens: n, metrics, tokens: attentionMask.sum().item() };
    },
    summarize: (averaged, totals) => ({ ...averaged, num_masked: totals.units }),
  };
}
