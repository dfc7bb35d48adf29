/**
 * A process group on torch.distributed's engine (libtorch's c10d): rendezvous through a
 * TCPStore that rank 0 hosts, collectives through Gloo. One group per process, as
 * torch.distributed's default group; `currentGroup()` is what the trainers use.
 *
 * ```ts
 * const group = ProcessGroup.init(worldEnv(), { timeoutSeconds: 60 });
 * group.allReduce([t], 'avg'); // every rank now holds the mean
 * ```
 */
import { native } from '../native/binding.js';
import { TorchError, empty, stack, tensor, type Device, type Tensor } from '../tensor/index.js';
import type { WorldEnv } from './env.js';
import { DistributedError, describeFault } from './faults.js';

/** How a collective combines ranks' values ('avg' is a sum divided by the world size). */
export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';

export interface ProcessGroupOptions {
  /** Seconds a collective or the rendezvous may wait for the other ranks (distributed.timeout). */
  timeoutSeconds: number;
  /** Network interface Gloo binds to (GLOO_SOCKET_IFNAME); default: the address MASTER_ADDR resolves to. */
  socketInterface?: string;
}

/** An asynchronous collective: `wait()` blocks until done and throws its failure. */
export class Work {
  private done = false;
  constructor(
    private readonly group: ProcessGroup,
    private readonly id: number,
    private readonly op: string,
    private readonly after: () => void = () => {},
  ) {}

  get completed(): boolean {
    return this.done || native.workCompleted(this.id);
  }

  wait(): void {
    if (this.done) return;
    this.done = true;
    this.group.guard(this.op, () => native.waitWork(this.id));
    this.after();
  }
}

let current: ProcessGroup | null = null;

/** The process group of this process, or null when it runs alone. */
export function currentGroup(): ProcessGroup | null {
  return current;
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly timeoutSeconds: number;
  /** The step this rank last reported (see heartbeat), used to name a lagging rank. */
  private lastStep = 0;
  private destroyed = false;

  private constructor(world: WorldEnv, timeoutSeconds: number) {
    this.rank = world.rank;
    this.worldSize = world.worldSize;
    this.localRank = world.localRank;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** Joins the group the launcher described (every rank calls this); it becomes currentGroup(). */
  static init(world: WorldEnv, options: ProcessGroupOptions): ProcessGroup {
    if (current !== null) throw new Error(`rank ${world.rank}: this process already joined a process group; destroy() it first`);
    const iface = options.socketInterface ?? process.env['GLOO_SOCKET_IFNAME'] ?? '';
    try {
      native.initProcessGroup(world.rank, world.worldSize, world.masterAddr, world.masterPort, Math.round(options.timeoutSeconds * 1000), iface);
    } catch (e) {
      const message = e instanceof TorchError ? e.message.replace(/^initProcessGroup: /, '') : String(e);
      throw new DistributedError(`rendezvous of ${world.worldSize} ranks at ${world.masterAddr}:${world.masterPort} failed: ${message}`, world.rank);
    }
    current = new ProcessGroup(world, options.timeoutSeconds);
    current.heartbeat(0);
    return current;
  }

  /** Leaves the group (the store and the Gloo connections close). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    native.destroyProcessGroup();
    if (current === this) current = null;
  }

  /** Runs one native collective; a failure names this rank and the ranks that fell behind. */
  guard<T>(op: string, run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof DistributedError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new DistributedError(`${op} failed on rank ${this.rank} of ${this.worldSize}: ${describeFault(this, this.lastStep)} (Gloo said: ${glooReason(message)})`, this.rank);
    }
  }

  /** Records that this rank reached `step`; after a failure the others name who stopped first. */
  heartbeat(step: number): void {
    this.lastStep = step;
    native.storeSet(`rlhf/step/${this.rank}`, String(step));
  }

  allReduce(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): void {
    this.allReduceAsync(tensors, op).wait();
  }

  /** Starts an all-reduce in place; the tensors hold the result once the Work is waited for. */
  allReduceAsync(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): Work {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    const id = this.guard('all_reduce', () => native.allReduce(ts.map((t) => t.handle), op === 'avg' ? 'sum' : op, true) as number);
    return new Work(this, id, 'all_reduce', () => {
      if (op === 'avg') for (const t of ts) t.div_(this.worldSize);
    });
  }

  /** Numbers summed (or max/min...) across ranks, in float64. */
  allReduceNumbers(values: readonly number[], op: ReduceOp = 'sum'): number[] {
    if (values.length === 0) return [];
    const t = tensor(Float64Array.from(values));
    try {
      this.allReduce(t, op);
      return Array.from(t.toTypedArray() as Float64Array);
    } finally {
      t.dispose();
    }
  }

  broadcast(tensors: Tensor | Tensor[], root = 0): void {
    this.broadcastAsync(tensors, root).wait();
  }

  broadcastAsync(tensors: Tensor | Tensor[], root = 0): Work {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    this.checkRank(root, 'broadcast root');
    return new Work(this, this.guard('broadcast', () => native.broadcast(ts.map((t) => t.handle), root, true) as number), 'broadcast');
  }

  /** Every rank's `input`, by rank (new tensors the caller owns). */
  allGather(input: Tensor): Tensor[] {
    const outputs = Array.from({ length: this.worldSize }, () => empty([...input.shape], { dtype: input.dtype, device: input.device as Device }));
    this.guard('all_gather', () => native.allGather(outputs.map((t) => t.handle), input.handle, false));
    return outputs;
  }

  /**
   * This rank's share of the reduction of `inputs` (one tensor per rank, same shape): rank r
   * gets op(inputs[r] of every rank). Gloo has no native reduce-scatter on every libtorch, so
   * this all-reduces the stacked inputs and keeps this rank's slice (same result, world-size
   * times the traffic).
   */
  reduceScatter(inputs: readonly Tensor[], op: ReduceOp = 'sum'): Tensor {
    if (inputs.length !== this.worldSize) throw new Error(`reduce_scatter: ${inputs.length} inputs on rank ${this.rank}, expected one per rank (${this.worldSize})`);
    const stacked = stack(inputs);
    try {
      this.allReduce(stacked, op);
      return stacked.select(0, this.rank).clone();
    } finally {
      stacked.dispose();
    }
  }

  barrier(): void {
    this.guard('barrier', () => native.barrier(false));
  }

  /** The rendezvous store: small keys every rank can read (config hashes, progress). */
  storeSet(key: string, value: string): void {
    this.guard('store set', () => native.storeSet(key, value));
  }

  storeGet(key: string, timeoutSeconds?: number): string {
    return this.guard('store get', () => native.storeGet(key, timeoutSeconds === undefined ? null : Math.round(timeoutSeconds * 1000)));
  }

  storeAdd(key: string, amount: number): number {
    return this.guard('store add', () => native.storeAdd(key, amount));
  }

  private checkRank(r: number, what: string): void {
    if (!Number.isInteger(r) || r < 0 || r >= this.worldSize) throw new Error(`${what} ${r} is not a rank of this group (0..${this.worldSize - 1})`);
  }
}

/**
 * The gist of a Gloo failure: without the addon's op prefixes, the source path and Gloo's
 * boilerplate advice. "[.../pair.cc:537] Read error [127.0.0.1]:37089: Connection reset by peer.
 * This is typically ..." -> "Read error [127.0.0.1]:37089: Connection reset by peer".
 */
export function glooReason(message: string): string {
  let m = message.split('\n')[0] as string;
  const prefix = m.lastIndexOf('failed on rank ');
  if (prefix >= 0) m = m.slice(m.indexOf(': ', prefix) + 2);
  m = m.replace(/^\[[^\]]*\.(?:cc|cpp|h):\d+\]\s*/, '');
  const advice = m.indexOf('. This is typically');
  if (advice >= 0) m = m.slice(0, advice);
  return m.replace(/\.$/, '');
}
