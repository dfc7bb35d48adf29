/**
 * The LM head and its cross entropy as one op (native/src/lm_loss.cc): `crossEntropy(hidden @
 * weightᵀ, labels)` computed over chunks of tokens, so the (tokens, vocab) logits never exist
 * whole. With reduction 'sum' the gradients are computed during the forward (one pass over the
 * head, as Liger-Kernel's fused linear cross entropy); with 'none' (per-token losses, e.g. -log-probs
 * for DPO/GRPO) backward recomputes each chunk's logits once. Logits are upcast to float32 as
 * transformers' loss does; under autocast the two matmuls run in the autocast dtype.
 *
 * ```ts
 * const loss = linearCrossEntropy(hidden.view(-1, H), lmHead.weight, labels.view(-1));  // summed, float32
 * const logps = linearCrossEntropy(h, w, targets, { reduction: 'none' }).neg();         // (N,) log p(target)
 * ```
 */
import { native } from '../native/binding.js';
import { wrap } from '../tensor/base.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Bytes of float32 logits one chunk may hold: 128 MiB is 220 tokens at Qwen2's 151,936-token
 * vocabulary, enough rows for the head's matmuls to run near full speed on CPU.
 */
const CHUNK_LOGITS_BYTES = 128 * 2 ** 20;

/** Tokens per chunk for a vocabulary: CHUNK_LOGITS_BYTES of float32 logits, at least 32 rows (the matmul's efficiency). */
export function linearCrossEntropyChunkRows(vocabSize: number): number {
  return Math.max(32, Math.floor(CHUNK_LOGITS_BYTES / (4 * vocabSize)));
}

export interface LinearCrossEntropyOptions {
  /** Labels equal to this contribute 0 and no gradient (default -100, as PyTorch and HF). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: (1-ε)·onehot + ε/V, as torch's label_smoothing. */
  labelSmoothing?: number;
  /** 'sum' (default): a float32 scalar, backward at most once; 'none': float32 (N,) losses, 0 where ignored. */
  reduction?: 'sum' | 'none';
  /** Tokens per chunk; default linearCrossEntropyChunkRows(vocab). */
  chunkRows?: number;
}

/** Cross entropy of `hidden (N, H) @ weight (V, H)ᵀ` against int64 `labels (N)`, without the (N, V) logits. */
export function linearCrossEntropy(hidden: Tensor, weight: Tensor, labels: Tensor, options: LinearCrossEntropyOptions = {}): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'sum' } = options;
  if (reduction !== 'sum' && reduction !== 'none') throw new TypeError(`linearCrossEntropy: reduction must be 'sum' or 'none', got '${String(reduction)}'`);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`linearCrossEntropy: labelSmoothing (${labelSmoothing}) must be in [0, 1]`);
  const chunkRows = options.chunkRows ?? linearCrossEntropyChunkRows(weight.size(0));
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`linearCrossEntropy: chunkRows (${chunkRows}) must be a positive integer`);
  return wrap(native.linearCrossEntropy(hidden.handle, weight.handle, labels.handle, ignoreIndex, labelSmoothing, reduction === 'sum', chunkRows));
}
