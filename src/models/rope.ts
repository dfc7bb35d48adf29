/**
 * Rotary position embeddings (Su et al. 2021, "RoFormer", eq. 34) in the rotate-half layout
 * of Llama/Qwen2, computed in float32 the way transformers does so logits match.
 */
import { Module } from '../nn/module.js';
import { arange, cat, full, type Device, type Tensor } from '../tensor/index.js';
import { tidy } from '../tensor/scope.js';
import type { DecoderConfig } from './config.js';

/** A module so its table follows Module.to(device); a non-persistent buffer, as transformers' inv_freq. */
export class RotaryEmbedding extends Module {
  /** 1 / theta^(2i/d), shape (d/2), float32. */
  readonly invFreq: Tensor;

  constructor(config: Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>) {
    super();
    const dim = config.headDim;
    this.invFreq = this.buffer(
      'inv_freq',
      tidy(() => {
        // base ** (arange(0, d, 2) / d), then 1 / that: the same float32 ops as transformers.
        const exponents = arange(0, dim, 2).float().div(dim);
        const invFreq = full([dim / 2], config.ropeTheta, { dtype: 'float32' }).pow(exponents).rdiv(1);
        const scaling = config.ropeScaling;
        if (scaling?.type === 'linear') return invFreq.div(scaling.factor);
        if (scaling?.type === 'llama3') return llama3InvFreq(invFreq, scaling);
        return invFreq;
      }),
      false,
    );
  }

  /** cos and sin tables for positions (B, T): each (B, T, d), in `dtype`. */
  tables(positionIds: Tensor, dtype: Tensor['dtype']): { cos: Tensor; sin: Tensor } {
    const freqs = positionIds.float().unsqueeze(-1).mul(this.invFreq); // (B, T, d/2)
    const emb = cat([freqs, freqs], -1); // (B, T, d)
    return { cos: emb.cos().to(dtype), sin: emb.sin().to(dtype) };
  }
}

/** Llama 3.1's frequency-dependent scaling (transformers _compute_llama3_parameters). */
function llama3InvFreq(
  invFreq: Tensor,
  s: { factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number },
): Tensor {
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  const wavelen = invFreq.rdiv(2 * Math.PI);
  const longWaves = wavelen.gt(lowFreqWavelen);
  const scaled = invFreq.div(s.factor).where(longWaves, invFreq);
  const smooth = wavelen.rdiv(s.originalMaxPositionEmbeddings).sub(s.lowFreqFactor).div(s.highFreqFactor - s.lowFreqFactor);
  const smoothed = smooth.rsub(1).mul(scaled).div(s.factor).add(smooth.mul(scaled));
  const medium = wavelen.lt(highFreqWavelen).logicalNot().logicalAnd(longWaves.logicalNot());
  return smoothed.where(medium, scaled);
}

/** Positions P..P+T-1 for every row: (B, T) int64, on `device` (the hidden states'). */
export function defaultPositions(batch: number, length: number, past: number, device?: Device): Tensor {
  return arange(past, past + length, 1, device === undefined ? {} : { device }).unsqueeze(0).expand(batch, length);
}
