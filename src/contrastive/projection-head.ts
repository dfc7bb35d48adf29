/**
 * SimCLR's projection head g(·) (Chen et al. 2020, Sec. 2.1): Linear → ReLU → Linear, mapping an
 * encoder's representation h to the space where the contrastive loss is applied. SimCLR keeps
 * h, not g(h), as the representation for downstream use.
 *
 * ```ts
 * const head = new ProjectionHead(768, { projectionDim: 128 });
 * const z = head.forward(poolEmbeddings(hidden, mask, 'mean')); // (B, 128)
 * ```
 */
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { Device, DType, Tensor } from '../tensor/index.js';

export interface ProjectionHeadOptions {
  /** Width of the hidden layer. Default: the input width, as SimCLR. */
  hiddenDim?: number;
  /** Width of the projection z. Default 128, as SimCLR. */
  projectionDim?: number;
  /** Biases on both layers. Default true. */
  bias?: boolean;
  dtype?: DType;
  device?: Device;
}

export class ProjectionHead extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly inputDim: number, options: ProjectionHeadOptions = {}) {
    super();
    const { hiddenDim = inputDim, projectionDim = 128, bias = true, dtype, device } = options;
    for (const [name, v] of [['inputDim', inputDim], ['hiddenDim', hiddenDim], ['projectionDim', projectionDim]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`ProjectionHead: ${name} (${v}) must be a positive integer`);
    }
    this.fc1 = this.child('fc1', new Linear(inputDim, hiddenDim, { bias, dtype, device }));
    this.fc2 = this.child('fc2', new Linear(hiddenDim, projectionDim, { bias, dtype, device }));
  }

  /** (..., inputDim) → (..., projectionDim) */
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}
