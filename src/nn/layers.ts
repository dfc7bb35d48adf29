/** Basic layers with PyTorch's default initialisation. */
import { embedding, layerNorm, linear, rmsNorm } from './functional.js';
import { Module } from './module.js';
import { noGrad } from '../tensor/autograd.js';
import type { DType } from '../tensor/dtype.js';
import { empty, ones, randn, zeros, type Device, type Tensor } from '../tensor/tensor.js';
import { initSkipped } from './empty-init.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  /** Where the weights are made (default: the default device); adapters are made beside their base layer. */
  device?: Device;
}

/** Something that changes a Linear's output given its input, such as a LoRA adapter (lora.ts). */
export interface LinearAdapter {
  /** `x` is the layer's input and `y` = x Wᵀ + b; returns the layer's output. */
  forward(x: Tensor, y: Tensor): Tensor;
}

/** y = x Wᵀ + b with W (outFeatures, inFeatures), initialised U(-1/√in, 1/√in) as torch.nn.Linear. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** Set by applyLora() (lora.ts); null for a plain layer. */
  adapter: LinearAdapter | null = null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    const { bias = true, dtype = 'float32', device } = options;
    const bound = 1 / Math.sqrt(inFeatures);
    const uniform = (shape: number[]) => noGrad(() => {
      const t = empty(shape, { dtype, device });
      return initSkipped() ? t : t.uniform_(-bound, bound);
    });
    this.weight = this.param('weight', uniform([outFeatures, inFeatures]));
    this.bias = bias ? this.param('bias', uniform([outFeatures])) : null;
  }

  forward(x: Tensor): Tensor {
    const y = linear(x, this.weight, this.bias);
    return this.adapter === null ? y : this.adapter.forward(x, y);
  }
}

/**
 * A linear layer with its weight stored (in, out): y = x W + b (transformers' Conv1D, GPT-2's
 * projections), initialised N(0, 0.02) with a zero bias as GPT-2. LoRA adapts it as PEFT does
 * with `fan_in_fan_out: true`: the adapter's A (r, in) and B (out, r) are those of a Linear.
 */
export class Conv1D extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  /** Set by applyLora() (lora.ts); null for a plain layer. */
  adapter: LinearAdapter | null = null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, dtype: DType = 'float32') {
    super();
    this.weight = this.param('weight', empty([inFeatures, outFeatures], { dtype }));
    this.bias = this.param('bias', empty([outFeatures], { dtype }));
    // Inside withEmptyInit a checkpoint is about to fill them: no random draw to overwrite.
    if (!initSkipped()) noGrad(() => { this.weight.normal_(0, 0.02); this.bias.zero_(); });
  }

  forward(x: Tensor): Tensor {
    const y = linear(x, this.weight.t(), this.bias);
    return this.adapter === null ? y : this.adapter.forward(x, y);
  }
}

/** A lookup table of `numEmbeddings` vectors, initialised N(0, 1) as torch.nn.Embedding. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: { dtype?: DType } = {}) {
    super();
    const shape = [numEmbeddings, embeddingDim];
    const dtype = options.dtype ?? 'float32';
    this.weight = this.param('weight', initSkipped() ? empty(shape, { dtype }) : randn(shape, { dtype }));
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
