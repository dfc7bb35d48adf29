/**
 * DistributedDataParallel's gradient synchronisation: gradients are summed across ranks in
 * buckets while backward is still running. Each parameter's gradient-accumulator post-hook
 * (native, in libtorch's autograd engine) copies its gradient into its bucket, and a full
 * bucket's all-reduce starts at once, so communication hides behind the rest of backward.
 * Buckets follow the parameters in reverse (the order backward reaches them), as DDP's.
 *
 * ```ts
 * const sync = new GradientSync(group, model.trainableParameters(), { bucketCapMb: 25 });
 * sync.arm();          // before the backward of the step's last micro-batch (no_sync before it)
 * loss.backward();
 * sync.finish();       // every gradient is now the sum over ranks
 * ```
 */
import { native } from '../native/binding.js';
import type { Tensor } from '../tensor/index.js';
import type { ProcessGroup } from './process-group.js';

export interface GradientSyncOptions {
  /** Bucket size in MiB (DDP's bucket_cap_mb). Default 25. */
  bucketCapMb?: number;
  /** First bucket's size in MiB: small, so the first all-reduce starts early. Default 1. */
  firstBucketMb?: number;
  /**
   * A parameter without a gradient on this rank contributes zeros instead of being an error
   * (DDP's find_unused_parameters); one that no rank used keeps no gradient. Default false.
   */
  findUnusedParameters?: boolean;
  /** Parameter names for error messages, in the order of `params`. */
  names?: readonly string[];
}

/** What the last synchronisation did. */
export interface GradSyncStats {
  buckets: number;
  /** Gradient bytes all-reduced (per rank). */
  bytes: number;
  /** Buckets whose all-reduce started during backward (the rest started in finish). */
  launchedInBackward: number;
  /** Milliseconds finish() waited for the all-reduces after backward ended: the part not hidden. */
  waitMs: number;
  /**
   * Parameters whose gradient grew after their bucket was sent (several backward passes in one
   * step: a tied embedding under gradient checkpointing), sent again on their own; from the next
   * step on they travel once, in a bucket sent at the end.
   */
  late: number;
}

const MIB = 1024 * 1024;

export class GradientSync {
  private readonly id: number;
  private armed = false;
  private disposed = false;

  constructor(
    private readonly group: ProcessGroup,
    private readonly params: readonly Tensor[],
    private readonly options: GradientSyncOptions = {},
  ) {
    const cap = Math.round((options.bucketCapMb ?? 25) * MIB);
    const first = Math.round((options.firstBucketMb ?? 1) * MIB);
    this.id = native.gradSyncCreate(params.map((p) => p.handle), cap, first, options.findUnusedParameters ?? false);
  }

  /** The next backward's gradients are summed across ranks (call before it). */
  arm(): void {
    native.gradSyncArm(this.id);
    this.armed = true;
  }

  /** Waits for the all-reduces and writes each gradient as the sum over ranks. */
  finish(): GradSyncStats {
    if (!this.armed) throw new Error('GradientSync.finish: arm() was not called before backward');
    this.armed = false;
    const r = this.group.guard('gradient all_reduce', () => native.gradSyncFinish(this.id));
    if (!r.ok) {
      const names = r.unused.slice(0, 8).map((i) => this.options.names?.[i] ?? `#${i}`);
      throw new Error(
        `rank ${this.group.rank}: ${r.unused.length} trainable parameter(s) got no gradient in this step (${names.join(', ')}${r.unused.length > 8 ? ', ...' : ''}); ` +
          'the loss does not use them. Set distributed.find_unused_parameters: true, or freeze them',
      );
    }
    return { buckets: r.buckets ?? 0, bytes: r.bytes ?? 0, launchedInBackward: r.launchedInBackward ?? 0, waitMs: r.waitMs ?? 0, late: r.late ?? 0 };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    native.gradSyncDestroy(this.id);
  }
}
