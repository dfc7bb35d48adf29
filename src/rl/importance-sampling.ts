/**
 * Importance-sampling correction for the gap between the sampler's log-probs of the sampled
 * tokens and the training forward's (TRL 1.13 `GRPOTrainer` with
 * `vllm_importance_sampling_correction`; Yao et al. 2025, "Your Efficient RL Framework Secretly
 * Brings You Off-Policy RL Training", truncated importance sampling). The sampler here is our
 * own KV-cache decoding (bf16 autocast, batched rows) rather than vLLM, but the mismatch and its
 * cure are the same: weight each token's policy-gradient term by π_train / π_sampler.
 *
 * ```ts
 * const { ratio } = samplingImportanceRatio(oldLogps, samplerLogps, mask, { mode: 'token_truncate', clipMax: 3 });
 * perTokenLoss = perTokenLoss.mul(ratio); // (B, C) or (B, 1), broadcast over tokens
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape } from './shapes.js';

/**
 * token_*: a ratio per token; sequence_*: one ratio per sequence (the product of its tokens').
 * *_truncate clamps the ratio to [clipMin, clipMax]; *_mask sets ratios outside it to 0.
 * Declared once; the config schema (`*.importance_sampling_mode`) takes its values from here.
 */
export const IMPORTANCE_SAMPLING_MODES = ['token_truncate', 'token_mask', 'sequence_truncate', 'sequence_mask'] as const;
export type ImportanceSamplingMode = (typeof IMPORTANCE_SAMPLING_MODES)[number];

export interface SamplingCorrectionOptions {
  mode: ImportanceSamplingMode;
  /** C_max (TRL default 3); null: no upper bound. */
  clipMax?: number | null;
  /** C_min; null: no lower bound. */
  clipMin?: number | null;
}

export interface SamplingCorrection {
  /** (B, C) for token modes, (B, 1) for sequence modes: the weight of each token's loss term. */
  ratio: Tensor;
  /** Scalars, as TRL's sampling/* metrics: |old − sampler| over the mask, and the ratios (masked tokens, or every sequence). */
  metrics: { logpDifferenceMean: Tensor; logpDifferenceMax: Tensor; ratioMin: Tensor; ratioMean: Tensor; ratioMax: Tensor };
}

export const isSequenceLevel = (mode: ImportanceSamplingMode): boolean => mode === 'sequence_truncate' || mode === 'sequence_mask';

/**
 * With d = (log π_old − log π_sampler)·mask per token (NaN → 0: a token without a sampler
 * log-prob gets weight 1), token modes take w = e^d per token and sequence modes w = e^(Σ_t d)
 * per sequence; then truncate: w ← clamp(w, C_min, C_max), or mask: w ← 0 where w ∉ [C_min, C_max].
 * The loss is Σ w·L_pg (+ the KL term, unweighted), as TRL multiplies before adding β·KL.
 */
export function samplingImportanceRatio(oldLogps: Tensor, samplerLogps: Tensor, mask: Tensor, options: SamplingCorrectionOptions): SamplingCorrection {
  if (oldLogps.ndim !== 2) throw new RangeError(`samplingImportanceRatio: 'oldLogps' must be (B, C), got [${oldLogps.shape.join(', ')}]`);
  assertShape('samplingImportanceRatio', 'samplerLogps', samplerLogps, oldLogps.shape);
  assertShape('samplingImportanceRatio', 'mask', mask, oldLogps.shape);
  const { mode, clipMax = 3, clipMin = null } = options;
  if (clipMin !== null && clipMax !== null && clipMin >= clipMax) throw new RangeError(`samplingImportanceRatio: clipMin (${clipMin}) must be less than clipMax (${clipMax})`);
  return tidy(() => {
    const m = mask.to(oldLogps.dtype);
    const diff = oldLogps.sub(samplerLogps).mul(m).nanToNum({ nan: 0 });
    const sequence = isSequenceLevel(mode);
    const raw = (sequence ? diff.sum({ dim: 1, keepdim: true }) : diff).exp();
    let ratio: Tensor;
    switch (mode) {
      case 'token_truncate':
      case 'sequence_truncate':
        ratio = raw.clamp(clipMin, clipMax);
        break;
      case 'token_mask':
      case 'sequence_mask': {
        const below = clipMin === null ? null : raw.lt(clipMin);
        const above = clipMax === null ? null : raw.gt(clipMax);
        const outside = below === null ? above : above === null ? below : below.logicalOr(above);
        ratio = outside === null ? raw : raw.maskedFill(outside, 0);
        break;
      }
      default: {
        const never: never = mode;
        throw new TypeError(`samplingImportanceRatio: unknown mode '${String(never)}'; expected one of ${IMPORTANCE_SAMPLING_MODES.join(', ')}`);
      }
    }
    const selected = m.gt(0);
    const delta = oldLogps.sub(samplerLogps).abs().maskedSelect(selected.logicalAnd(oldLogps.sub(samplerLogps).isnan().logicalNot()));
    const flatRatio = sequence ? ratio.reshape([-1]) : ratio.maskedSelect(selected);
    const orZero = (t: Tensor, f: (x: Tensor) => Tensor) => (t.numel > 0 ? f(t) : m.sum().mul(0));
    return {
      ratio,
      metrics: {
        logpDifferenceMean: orZero(delta, (x) => x.mean()),
        logpDifferenceMax: orZero(delta, (x) => x.max()),
        ratioMin: orZero(flatRatio, (x) => x.min()),
        ratioMean: orZero(flatRatio, (x) => x.mean()),
        ratioMax: orZero(flatRatio, (x) => x.max()),
      },
    };
  });
}
