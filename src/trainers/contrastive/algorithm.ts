/**
 * Contrastive sentence-embedding training on the shared loop. Each example gives two views: an
 * anchor/positive pair as written, or two augmented copies of one text (data/augment, seeded per
 * micro-batch from the torch RNG that checkpoints keep). Both views are encoded, pooled
 * (contrastive.pooling) and projected, then
 * - simclr: NT-Xent over the 2N views (the other 2N - 2 are the negatives), both directions;
 * - moco: InfoNCE of the queries against the momentum key encoder's keys and a queue of
 *   negatives; the key encoder and key projection move to m·key + (1 - m)·query before each
 *   micro-batch's keys, and the keys are queued after it (MoCo's _momentum_update_key_encoder and
 *   _dequeue_and_enqueue); evaluation (no grad) leaves both as they are.
 * The loss is the mean over the micro-batch's pairs times their number (the loop divides by the
 * step's pairs). Logged: loss, accuracy (the positive ranks first), and for simclr alignment and
 * uniformity (Wang & Isola).
 */
import { momentumUpdate, mocoLoss, ntXentLoss, poolEmbeddings, type SentenceEncoder, type SentencePooling } from '../../contrastive/index.js';
import { augmentText, type Augmentation } from '../../data/index.js';
import { seededRandom } from '../../data/collate/sampler.js';
import type { HfSerializable } from '../../models/index.js';
import type { Module } from '../../nn/module.js';
import { isGradEnabled, noGrad, randint, tensor, tidy, type Tensor } from '../../tensor/index.js';
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { ContrastiveConfig } from '../../config/index.js';
import type { Algorithm, LossOutput } from '../loop/index.js';
import type { ContrastiveHeads } from './heads.js';

/** Two texts that should embed close together, or one text to view twice. */
export type ContrastiveExample = { anchor: string; positive: string } | { text: string };

export interface ContrastiveOptions {
  method: ContrastiveConfig['method'];
  temperature: number;
  pooling: SentencePooling;
  momentum: number;
  augmentations: readonly Augmentation[];
  maxLength: number;
  tokenizer: TextTokenizer;
}

export interface ContrastiveModels {
  encoder: SentenceEncoder;
  heads: ContrastiveHeads;
  /** MoCo's momentum copy of the encoder (frozen); null for SimCLR. */
  keyEncoder: SentenceEncoder | null;
}

export function contrastiveAlgorithm(m: ContrastiveModels, o: ContrastiveOptions): Algorithm<ContrastiveExample> {
  const embed = (encoder: SentenceEncoder, texts: string[]): Tensor => {
    const batch = o.tokenizer.encodeBatch(texts, { padding: 'longest', truncation: true, maxLength: o.maxLength });
    const mask = tensor(batch.attentionMask, { dtype: 'int64' });
    return poolEmbeddings(encoder.encode(tensor(batch.inputIds, { dtype: 'int64' }), mask), mask, o.pooling);
  };
  const companions: Record<string, Module & HfSerializable> = { contrastive_head: m.heads };
  if (m.keyEncoder !== null) companions['key_encoder'] = m.keyEncoder.module as Module & HfSerializable;
  const keyParams = () => [...(m.keyEncoder as SentenceEncoder).module.parameters(), ...(m.heads.keyProjection?.parameters() ?? [])];
  const queryParams = () => [...m.encoder.module.parameters(), ...(m.heads.projection?.parameters() ?? [])]; // a key projection exists exactly when a projection does
  return {
    name: 'contrastive',
    model: m.encoder.module as Module & HfSerializable,
    companions,
    loss(examples): LossOutput {
      const n = examples.length;
      const random = seededRandom(randint(0, 2 ** 31 - 1, [1], { dtype: 'int64' }).item()); // torch's RNG: resumed runs draw the same views
      const view = (text: string) => (o.augmentations.length === 0 ? text : augmentText(text, o.augmentations, random));
      const a = examples.map((e) => view('text' in e ? e.text : e.anchor));
      const b = examples.map((e) => view('text' in e ? e.text : e.positive));
      const q = m.heads.project(embed(m.encoder, a));
      if (o.method === 'simclr') {
        const out = ntXentLoss(q, m.heads.project(embed(m.encoder, b)), { temperature: o.temperature });
        const metric = (t: Tensor) => t.item() * n;
        return { loss: out.loss.mul(n), numTokens: n, metrics: { accuracy: metric(out.metrics.accuracy), alignment: metric(out.metrics.alignment), uniformity: metric(out.metrics.uniformity) } };
      }
      const queue = m.heads.queue;
      if (queue === null || m.keyEncoder === null) throw new Error('contrastive: moco needs its key encoder and queue');
      // Evaluation (no grad) scores against the queue as it is: no momentum step, nothing queued.
      const training = isGradEnabled();
      if (training) noGrad(() => momentumUpdate(keyParams(), queryParams(), o.momentum));
      const k = tidy(() => noGrad(() => m.heads.projectKey(embed(m.keyEncoder as SentenceEncoder, b))));
      // A copy of the queue, as MoCo's queue.clone(): the enqueue below must not touch what backward reads.
      const out = mocoLoss(q, k, queue.keys.clone(), { temperature: o.temperature });
      if (training) queue.enqueue(out.keys);
      k.dispose();
      return { loss: out.loss.mul(n), numTokens: n, metrics: { accuracy: out.metrics.accuracy.item() * n } };
    },
    stateDict: (): Record<string, number> => (m.heads.queue === null ? {} : { queue_ptr: m.heads.queue.pointer }),
    loadStateDict(state) {
      const queue = m.heads.queue;
      if (queue === null || state['queue_ptr'] === undefined) return;
      queue.loadStateDict(new Map([['queue', queue.keys], ['queue_ptr', tensor([state['queue_ptr']], { dtype: 'int64' })]]));
    },
  };
}
