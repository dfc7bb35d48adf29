/** Attention masks in the form sdpa takes them, shared by every decoder family. */
import { arange, zeros, type Device, type DType, type Tensor } from '../tensor/index.js';

/** The lowest finite value of each float dtype: transformers' mask fill. */
const LOWEST: Partial<Record<DType, number>> = {
  float32: -3.4028234663852886e38,
  float64: -1.7976931348623157e308,
  bfloat16: -3.3895313892515355e38,
  float16: -65504,
};

export interface MaskShape {
  batch: number;
  /** New positions (T). */
  length: number;
  /** Cached positions before them (P). */
  past: number;
  dtype: DType;
  /** Where the hidden states are: the mask is made there. */
  device: Device;
  causal: boolean;
  /**
   * (B, T) sequence index of each position when several sequences are packed into one row:
   * a query reads only keys of its own sequence (block-diagonal attention). No cache.
   */
  segmentIds?: Tensor;
}

/** How attention is masked: scaledDotProductAttention's mask, isCausal and maskIsCausal. */
export interface AttentionMasking {
  /** Additive float mask (B, 1, T, P+T), or null when `isCausal` alone is the mask. */
  mask: Tensor | null;
  isCausal: boolean;
  /** The mask hides every future key (causal, no cache). */
  maskIsCausal: boolean;
}

/**
 * Packed-row segments from position ids, as transformers detects packed sequences: every
 * position id 0 starts a new sequence. Returns undefined when no row holds more than one.
 */
export function packedSegments(positionIds: Tensor): Tensor | undefined {
  const starts = positionIds.eq(0).to('int64');
  if (starts.sum({ dim: 1 }).max().item() <= 1) return undefined;
  return starts.cumsum(1);
}

/**
 * From a padding mask (B, P+T) of 1/0, or none: either the causal flag alone (no padding, no
 * cache: lets libtorch use its fused kernel) or an additive mask (B, 1, T, P+T) holding 0
 * where query i may read key j and the dtype's lowest finite value elsewhere, so fully
 * masked pad rows stay finite, as transformers builds it.
 */
export function attentionMaskFor(paddingMask: Tensor | undefined, s: MaskShape): AttentionMasking {
  if (paddingMask === undefined && s.segmentIds === undefined) {
    if (!s.causal || s.length === 1) return { mask: null, isCausal: false, maskIsCausal: false };
    if (s.past === 0) return { mask: null, isCausal: true, maskIsCausal: false };
  }
  const total = s.past + s.length;
  let allowed = paddingMask === undefined ? null : paddingMask.ne(0).view(s.batch, 1, 1, total);
  if (s.causal) {
    const keys = arange(total, undefined, 1, { device: s.device }).unsqueeze(0); // (1, S)
    const queries = arange(s.past, total, 1, { device: s.device }).unsqueeze(1); // (T, 1): query i sits at position past + i
    const causal = keys.le(queries).view(1, 1, s.length, total);
    allowed = allowed === null ? causal : allowed.logicalAnd(causal);
  }
  if (s.segmentIds !== undefined) {
    if (s.past !== 0) throw new RangeError('attention: packed sequences (segmentIds) cannot be combined with a KV cache');
    const seg = s.segmentIds;
    const same = seg.unsqueeze(2).eq(seg.unsqueeze(1)).unsqueeze(1); // (B, 1, T, T)
    allowed = allowed === null ? same : allowed.logicalAnd(same);
  }
  const lowest = LOWEST[s.dtype] ?? (LOWEST.float32 as number);
  // Causal without a cache: every future key is hidden, which attention may exploit.
  const maskIsCausal = s.causal && s.past === 0;
  return { mask: zeros([1], { dtype: s.dtype, device: s.device }).maskedFill((allowed as Tensor).logicalNot(), lowest), isCausal: false, maskIsCausal };
}
