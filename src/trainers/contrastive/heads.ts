/**
 * What contrastive training adds beside the encoder, saved as a companion directory
 * (`contrastive_head/`: config.json + model.safetensors) so a killed run resumes exactly: the
 * projection head, and for MoCo the key side's projection head and the queue of negatives (held as
 * frozen parameters; the queue's write position goes in the algorithm's checkpoint state).
 */
import { MoCoQueue, ProjectionHead } from '../../contrastive/index.js';
import type { HfSerializable } from '../../models/index.js';
import { Module } from '../../nn/module.js';
import type { DType, Tensor } from '../../tensor/index.js';

export interface ContrastiveHeadsOptions {
  hiddenSize: number;
  /** null: no projection, the pooled vector itself. */
  projectionDim: number | null;
  /** MoCo: the queue's length (null for SimCLR). */
  queueSize: number | null;
}

export class ContrastiveHeads extends Module implements HfSerializable {
  readonly projection: ProjectionHead | null;
  /** MoCo's momentum copy of the projection (frozen, moved by momentumUpdate). */
  readonly keyProjection: ProjectionHead | null;
  readonly queue: MoCoQueue | null;

  constructor(readonly options: ContrastiveHeadsOptions) {
    super();
    const { hiddenSize, projectionDim, queueSize } = options;
    this.projection = projectionDim === null ? null : this.child('projection', new ProjectionHead(hiddenSize, { projectionDim }));
    this.keyProjection = projectionDim === null || queueSize === null ? null : this.child('key_projection', new ProjectionHead(hiddenSize, { projectionDim }));
    if (this.keyProjection !== null && this.projection !== null) {
      this.keyProjection.loadStateDict(this.projection.stateDict());
      this.keyProjection.freeze();
    }
    this.queue = queueSize === null ? null : new MoCoQueue(queueSize, projectionDim ?? hiddenSize);
    // The queue's keys as a frozen parameter: saved and restored with the module.
    if (this.queue !== null) this.param('queue', this.queue.keys, false);
  }

  /** The loss's view of pooled vectors (N, H): projected, or as they are. */
  project(pooled: Tensor): Tensor {
    return this.projection === null ? pooled : this.projection.forward(pooled);
  }

  /** The key side's projection (MoCo). */
  projectKey(pooled: Tensor): Tensor {
    return this.keyProjection === null ? pooled : this.keyProjection.forward(pooled);
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return {
      architectures: ['ContrastiveHeads'],
      hidden_size: this.options.hiddenSize,
      projection_dim: this.options.projectionDim,
      queue_size: this.options.queueSize,
      torch_dtype: dtype,
    };
  }
}
