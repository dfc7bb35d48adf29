/**
 * The contract between decoder models and what drives them (generation, trainers).
 * Shapes: B batch, T new positions, P positions already in the cache, H hidden size.
 */
import type { Device, Tensor } from '../tensor/tensor.js';

/** Keys and values of every layer for the positions seen so far; grows in place. */
export interface KvCache {
  /** Positions held (P). */
  readonly length: number;
  /** Frees the cached tensors. */
  dispose(): void;
  /**
   * Repeats every batch row `copies` times, each row's copies adjacent: one prefill shared by
   * several completions of a prompt. Optional; without it generate prefills each copy.
   */
  repeatRows?(copies: number): void;
  /**
   * Continuous batching (optional): copies `source`'s first `length` positions of row 0 into row
   * `row` at columns [column, column + length).
   */
  writeRow?(row: number, source: KvCache, length: number, column: number): void;
  /** Drops the first `start` columns of every row (continuous batching's compaction). */
  dropColumns?(start: number): void;
  /** Sets the filled length that every row shares. */
  setLength?(length: number): void;
}

export interface KvCacheOptions {
  /** Positions to preallocate (prompt + new tokens); the cache still grows past it. */
  capacity?: number;
  /** Rows, for a cache filled row by row (writeRow) before any forward pass. */
  batch?: number;
}

export interface CausalLmInput {
  /** Token ids (B, T), int64. Exactly one of inputIds / inputsEmbeds. */
  inputIds?: Tensor;
  /** Vectors fed straight to the first block (B, T, H), skipping the embedding. */
  inputsEmbeds?: Tensor;
  /**
   * 1 for real tokens, 0 for padding, over the cached and the new positions: (B, P + T).
   * Omitted: every position is real.
   */
  attentionMask?: Tensor;
  /** Rotary/learned positions of the new tokens (B, T); default P..P+T-1 for every row. */
  positionIds?: Tensor;
  /** Read and extended in place with the new positions' keys and values. */
  cache?: KvCache;
  /**
   * Logits for the last N positions only (transformers' `logits_to_keep`): the LM head and any
   * softmax skip positions nobody reads, e.g. a prompt. Omitted or 0: every position.
   * `hiddenStates` always covers every position.
   */
  logitsToKeep?: number;
}

export interface CausalLmOutput {
  /** (B, T, vocab) */
  logits: Tensor;
  /** Final hidden states after the last norm (B, T, H). */
  hiddenStates: Tensor;
}

/** What generation needs from a model. */
export interface CausalLm {
  readonly config: { readonly vocabSize: number; readonly eosTokenId?: number | number[]; readonly padTokenId?: number };
  forward(input: CausalLmInput): CausalLmOutput;
  /** Where its weights live (every Module has it); generation makes its inputs there. */
  readonly device?: Device;
  /** An empty cache for this model, preallocated for `options.capacity` positions where it can. */
  newCache(options?: KvCacheOptions): KvCache;
}

/**
 * A causal LM whose head is one (vocab, H) matrix, so losses and log-probs can run the fused,
 * chunked head (nn/linear-cross-entropy.ts, models/lm-loss.ts) and never make the logits.
 */
export interface FusableHeadLm {
  /** true (default): trainers' losses and log-probs go through the fused head; false: through the logits. */
  fusedLmLoss: boolean;
  /** Final hidden states (B, T, H), without the head. */
  forwardHidden(input: CausalLmInput): Tensor;
  /** The head's weight (vocab, H) when the head is exactly hidden @ Wᵀ (no bias, no adapter), else null. */
  outputWeight(): Tensor | null;
}
