/** Basic layers with PyTorch's default initialisation. */
import { embedding, layerNorm, linear, rmsNorm } from './functional.js';
import { Module } from './module.js';
import { noGrad } from '../tensor/autograd.js';
import type { DType } from '../tensor/dtype.js';
import { empty, ones, randn, zeros, type Tensor } from '../tensor/tensor.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/** y = x Wᵀ + b with W (outFeatures, inFeatures), initialised U(-1/√in, 1/√in) as torch.nn.Linear. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    const { bias = true, dtype = 'float32' } = options;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', noGrad(() => empty([outFeatures, inFeatures], { dtype }).uniform_(-bound, bound)));
    this.bias = bias ? this.param('bias', noGrad(() => empty([outFeatures], { dtype }).uniform_(-bound, bound))) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** A lookup table of `numEmbeddings` vectors, initialised N(0, 1) as torch.nn.Embedding. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: { dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', randn([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32' }));
  }

  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }
}

/** Root-mean-square norm over the last dim with a learned scale (Llama/Qwen2 RMSNorm). */
export class RMSNorm extends Module {
  readonly weight: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-6, options: { dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', ones([dim], { dtype: options.dtype ?? 'float32' }));
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-5, options: { dtype?: DType } = {}) {
    super();
    const dtype = options.dtype ?? 'float32';
    this.weight = this.param('weight', ones([dim], { dtype }));
    this.bias = this.param('bias', zeros([dim], { dtype }));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, [this.dim], { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
