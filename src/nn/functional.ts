/**
 * Neural-network functions (torch.nn.functional): layers, attention and losses.
 *
 * ```ts
 * const loss = crossEntropy(logits.view(-1, vocab), labels.view(-1), { ignoreIndex: -100 });
 * ```
 */
import { native } from '../native/binding.js';
import { wrap } from '../tensor/base.js';
import type { Tensor } from '../tensor/tensor.js';

export type Reduction = 'none' | 'mean' | 'sum';
/** at::Reduction values. */
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

function reduction(r: Reduction | undefined, op: string): number {
  const code = REDUCTION[r ?? 'mean'];
  if (code === undefined) throw new TypeError(`${op}: reduction must be 'none', 'mean' or 'sum', got '${String(r)}'`);
  return code;
}

/** x Wᵀ + b, with W of shape (out, in). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.linear(x.handle, weight.handle, bias?.handle ?? null));
}

/** Rows of `weight` at `indices`; rows at `paddingIdx` get no gradient. */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  return wrap(native.embedding(weight.handle, indices.handle, paddingIdx ?? null));
}

export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  const { weight, bias, eps = 1e-5 } = options;
  return wrap(native.layerNorm(x.handle, normalizedShape, weight?.handle ?? null, bias?.handle ?? null, eps));
}

/** x / sqrt(mean(x²) + eps) · weight over the last dim, normalised in float32 (Llama/Qwen2 RMSNorm). */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  return wrap(native.rmsNorm(x.handle, weight?.handle ?? null, eps));
}

/**
 * silu(gate) · up, the gated MLP's activation (SwiGLU), one pass forward and one backward for
 * float32 CPU tensors of one shape; shapes that broadcast are composed from silu and mul.
 */
export function siluMul(gate: Tensor, up: Tensor): Tensor {
  return wrap(native.siluMul(gate.handle, up.handle));
}

/**
 * linear(silu(gate) · up, weight, bias): the gated MLP's activation and down projection. Float32
 * CPU tensors outside autocast take one native op that keeps only gate and up for backward (the
 * product, a quarter of a Qwen2 layer's activations, is recomputed there); anything else composes.
 */
export function siluMulLinear(gate: Tensor, up: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.siluMulLinear(gate.handle, up.handle, weight.handle, bias?.handle ?? null));
}

/**
 * Causal attention within each of several sequences packed end to end into one row (padding-free
 * training): q (1, H, N, d), k and v (1, KV, N, d) with H a multiple of KV, sequence u holding
 * positions [starts[u], starts[u + 1]) of the int64 vector starts = [0, ..., N]. Float32 on the
 * CPU only (see packedAttentionAvailable); the keys of other sequences are never multiplied.
 */
export function packedCausalAttention(q: Tensor, k: Tensor, v: Tensor, starts: Tensor, scale?: number): Tensor {
  return wrap(native.sdpaPacked(q.handle, k.handle, v.handle, starts.handle, scale ?? null));
}

/** Whether packedCausalAttention can run here now (libtorch's BLAS reachable, no CPU autocast). */
export function packedAttentionAvailable(): boolean {
  return native.packedAttentionAvailable();
}

/**
 * Rotary position embedding in the rotate-half layout: x·cos + rotate_half(x)·sin for x
 * (B, heads, T, d) and tables (B|1, T, d), rotate_half(x) = (−x[d/2:], x[:d/2]). Float32 on the
 * CPU takes one native pass each way (its output laid out (B, T, heads, d), as attention reads
 * it); elsewhere it is composed from slices and products.
 */
export function rotaryEmbedding(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return wrap(native.applyRotary(x.handle, cos.handle, sin.handle));
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) when training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return wrap(native.dropout(x.handle, p, training));
}

export interface AttentionOptions {
  /** Boolean (true = may attend) or additive float mask broadcastable to (..., L, S). */
  mask?: Tensor | null;
  /** Causal mask (query i sees keys ≤ i); exclusive with `mask`. */
  isCausal?: boolean;
  dropout?: number;
  /** Defaults to 1/sqrt(headDim). */
  scale?: number;
  /** Use the composed math path even where libtorch has a fused kernel. */
  forceMath?: boolean;
  /**
   * The mask already hides every future key (causal plus padding, L == S). Without a fused
   * kernel (libtorch < 2.1) attention then skips the fully masked key blocks; rows whose keys
   * are all masked (padding queries) spread their weight over fewer keys, real rows are equal.
   */
  maskIsCausal?: boolean;
  /**
   * Grouped-query attention: k and v have fewer heads than q (query head h reads key/value head
   * h / (heads / kvHeads)), as PyTorch's enable_gqa. libtorch 2.5+ reads them in place; older
   * versions expand them (transformers' repeat_kv).
   */
  enableGqa?: boolean;
}

/**
 * softmax(q kᵀ · scale + mask) v for q (..., L, E), k (..., S, E), v (..., S, Ev).
 * Uses libtorch's fused kernel where the linked version has one (2.1+), else the math path.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const { mask = null, isCausal = false, dropout: p = 0, scale, forceMath = false, maskIsCausal = false, enableGqa = false } = options;
  return wrap(native.sdpa(q.handle, k.handle, v.handle, mask?.handle ?? null, p, isCausal, scale ?? null, forceMath, maskIsCausal, enableGqa));
}

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (default -100, as PyTorch and HF). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: (1-ε)·onehot + ε/C. */
  labelSmoothing?: number;
  reduction?: Reduction;
  /** Per-class weights of shape (C). */
  weight?: Tensor | null;
}

/** Cross entropy of logits (N, C) or (N, C, d...) against class indices (N) or (N, d...). */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, weight = null } = options;
  const r = reduction(options.reduction, 'crossEntropy');
  return wrap(native.crossEntropy(logits.handle, target.handle, weight?.handle ?? null, r, ignoreIndex, labelSmoothing));
}

/** Negative log likelihood of log-probabilities (N, C) against class indices. */
export function nllLoss(
  logProbs: Tensor,
  target: Tensor,
  options: { ignoreIndex?: number; reduction?: Reduction; weight?: Tensor | null } = {},
): Tensor {
  const r = reduction(options.reduction, 'nllLoss');
  return wrap(native.nllLoss(logProbs.handle, target.handle, options.weight?.handle ?? null, r, options.ignoreIndex ?? -100));
}

export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  return wrap(native.mseLoss(input.handle, target.handle, reduction(options.reduction, 'mseLoss')));
}

/** -[y·log σ(x) + (1-y)·log(1-σ(x))], computed stably from logits. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  const r = reduction(options.reduction, 'binaryCrossEntropyWithLogits');
  return wrap(
    native.bceWithLogits(logits.handle, target.handle, options.weight?.handle ?? null, options.posWeight?.handle ?? null, r),
  );
}

export const relu = (x: Tensor): Tensor => x.relu();
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => x.gelu(approximate);
export const silu = (x: Tensor): Tensor => x.silu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => x.softplus(beta, threshold);
export const logsigmoid = (x: Tensor): Tensor => x.logsigmoid();
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
export const matmul = (a: Tensor, b: Tensor): Tensor => a.matmul(b);
export const bmm = (a: Tensor, b: Tensor): Tensor => a.bmm(b);
