/**
 * MoCo's dictionary of negatives (He et al. 2020, Sec. 3.2 and Alg. 1): a fixed-size FIFO of
 * the momentum encoder's keys, written as a ring with a pointer like MoCo's
 * `_dequeue_and_enqueue`. Starts as random unit vectors, as MoCo does, so the loss has
 * negatives from the first step.
 *
 * ```ts
 * const queue = new MoCoQueue(4096, 128);
 * const out = mocoLoss(q, k, queue.keys);
 * queue.enqueue(out.keys);                                     // oldest keys are overwritten
 * saveSafetensors('queue.safetensors', queue.stateDict());     // { queue, queue_ptr }
 * queue.loadStateDict(loadSafetensors('queue.safetensors'));
 * ```
 */
import type { StateDict } from '../nn/module.js';
import { keep, noGrad, randn, tensor, tidy, type Device, type DType, type Tensor } from '../tensor/index.js';
import { l2Normalize } from './normalize.js';

export interface MoCoQueueOptions {
  /** Default float32. */
  dtype?: DType;
  /** Default: the default device. */
  device?: Device;
}

export class MoCoQueue {
  private readonly queue: Tensor; // (K, D)
  private readonly ptrTensor: Tensor; // (1) int64, MoCo's queue_ptr buffer, for checkpoints
  private ptr = 0;

  /** `size` K keys of width `dim`, initialised from the global generator (see manualSeed). */
  constructor(readonly size: number, readonly dim: number, options: MoCoQueueOptions = {}) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`MoCoQueue: size (${size}) must be a positive integer`);
    if (!(Number.isInteger(dim) && dim > 0)) throw new RangeError(`MoCoQueue: dim (${dim}) must be a positive integer`);
    const { dtype = 'float32', device } = options;
    this.queue = keep(tidy(() => noGrad(() => l2Normalize(randn([size, dim], { dtype, device })))));
    this.ptrTensor = keep(tensor([0], { dtype: 'int64', device }));
  }

  /** (K, D) the queued keys, the negatives for mocoLoss. The queue's own tensor: do not dispose it. */
  get keys(): Tensor {
    return this.queue;
  }

  /** Row the next key is written to. */
  get pointer(): number {
    return this.ptr;
  }

  /** Writes `keys` (N, D), N ≤ K, over the oldest entries (wrapping round the end), detached. */
  enqueue(keys: Tensor): void {
    const n = keys.shape[0] as number;
    if (keys.ndim !== 2 || keys.shape[1] !== this.dim) {
      throw new RangeError(`MoCoQueue.enqueue: keys must have shape [N, ${this.dim}], got [${keys.shape.join(', ')}]`);
    }
    if (n > this.size) throw new RangeError(`MoCoQueue.enqueue: ${n} keys do not fit a queue of ${this.size}`);
    tidy(() => noGrad(() => {
      // MoCo requires K % N == 0 so a batch never wraps; wrapping in two writes lifts that.
      const head = Math.min(n, this.size - this.ptr);
      this.queue.narrow(0, this.ptr, head).copy_(keys.narrow(0, 0, head));
      if (head < n) this.queue.narrow(0, 0, n - head).copy_(keys.narrow(0, head, n - head));
    }));
    this.ptr = (this.ptr + n) % this.size;
    this.ptrTensor.fill_(this.ptr);
  }

  /** MoCo's buffers by name: `queue` (K, D) and `queue_ptr` (1) int64. The tensors themselves, as Module.stateDict. */
  stateDict(): Map<string, Tensor> {
    return new Map([['queue', this.queue], ['queue_ptr', this.ptrTensor]]);
  }

  /** Restores what stateDict() gave; throws naming the key at fault before changing anything. */
  loadStateDict(state: StateDict): void {
    const get = (name: string) => (state instanceof Map ? state.get(name) : (state as Record<string, Tensor>)[name]);
    const queue = get('queue');
    const ptr = get('queue_ptr');
    if (queue === undefined || ptr === undefined) throw new Error("MoCoQueue.loadStateDict: needs 'queue' and 'queue_ptr'");
    if (queue.shape.join() !== `${this.size},${this.dim}`) {
      throw new RangeError(`MoCoQueue.loadStateDict: 'queue' has shape [${queue.shape.join(', ')}], this queue is [${this.size}, ${this.dim}]`);
    }
    const p = ptr.numel === 1 ? Number(tidy(() => ptr.reshape(1).item())) : NaN;
    if (!(Number.isInteger(p) && p >= 0 && p < this.size)) {
      throw new RangeError(`MoCoQueue.loadStateDict: 'queue_ptr' must be one integer in [0, ${this.size}), got [${ptr.shape.join(', ')}] ${p}`);
    }
    noGrad(() => this.queue.copy_(queue));
    this.ptr = p;
    this.ptrTensor.fill_(p);
  }

  dispose(): void {
    this.queue.dispose();
    this.ptrTensor.dispose();
  }
}
