/**
 * The work of `npm run bench -- train`, shared by the parent (bench/train.ts), the rlhf-ts
 * children (bench/train_child.ts) and the PyTorch script (bench/train_torch.py, which reads the
 * same JSON): random token ids of the benchmark vocabulary, seeded, and the order the Trainer
 * will visit them in, so both sides train on batches of the same shapes.
 */
import { seededRandom, shuffledIndices } from '../src/data/index.js';

export type TrainBenchMode = 'sft' | 'reward' | 'dpo';
export const TRAIN_BENCH_MODES: readonly TrainBenchMode[] = ['sft', 'reward', 'dpo'];

/** Issue 5's shapes (as PEER-BASELINE.md): examples per optimizer step, and steps. */
export const TRAIN_BENCH_SHAPES: Record<TrainBenchMode, { batch: number; steps: number; what: string }> = {
  sft: { batch: 8, steps: 20, what: '8 seqs x 256 tokens' },
  reward: { batch: 4, steps: 10, what: '4 pairs = 8 seqs (<=256 tok)' },
  dpo: { batch: 4, steps: 10, what: '4 pairs = 8 seqs (<=256 tok) + reference fwd' },
};

export const SFT_LENGTH = 256;
export const MAX_PAIR_LENGTH = 256;
/** Ids 0..3 are the fixture tokenizer's specials (bos, ?, eos, pad): data stays above them. */
const FIRST_ID = 4;
const VOCAB = 512;

export interface TrainBenchPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

export interface TrainBenchData {
  seed: number;
  sft: number[][];
  pairs: TrainBenchPair[];
  /** shuffledIndices(n, seed): epoch 0 of the Trainer's data order; step k takes order[k*B, (k+1)*B). */
  sftOrder: number[];
  pairOrder: number[];
}

/**
 * 160 SFT rows of 256 tokens (20 steps x 8) and 40 pairs (10 steps x 4): prompts of 48..111
 * tokens, chosen / rejected completions of 64..159, cut so prompt + completion <= 256 (about 190
 * tokens a sequence, ~1,520 a step, as the TRL figures of PEER-BASELINE.md).
 */
export function makeTrainBenchData(seed = 42): TrainBenchData {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)); // [lo, hi]
  const ids = (n: number) => Array.from({ length: n }, () => int(FIRST_ID, VOCAB - 1));
  const sftRows = TRAIN_BENCH_SHAPES.sft.batch * TRAIN_BENCH_SHAPES.sft.steps;
  const numPairs = TRAIN_BENCH_SHAPES.reward.batch * Math.max(TRAIN_BENCH_SHAPES.reward.steps, TRAIN_BENCH_SHAPES.dpo.steps);
  const sft = Array.from({ length: sftRows }, () => ids(SFT_LENGTH));
  const pairs = Array.from({ length: numPairs }, () => {
    const prompt = ids(int(48, 111));
    const room = MAX_PAIR_LENGTH - prompt.length;
    return { prompt, chosen: ids(Math.min(room, int(64, 159))), rejected: ids(Math.min(room, int(64, 159))) };
  });
  return { seed, sft, pairs, sftOrder: shuffledIndices(sft.length, seed), pairOrder: shuffledIndices(pairs.length, seed) };
}
