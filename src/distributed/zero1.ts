/**
 * ZeRO stage 1 (`distributed.strategy: zero1`) with PyTorch's ZeroRedundancyOptimizer
 * semantics: AdamW's state is sharded across ranks. Gradients are still summed across ranks
 * (DDP), every parameter has one owner rank (greedy by size, in parameter order), each rank
 * updates and keeps the moments of its own parameters only, and owners broadcast the updated
 * values. A checkpoint holds the consolidated state in the single-process format: every rank
 * calls consolidateStateDict() (owners broadcast their moments; rank 0 collects them), then
 * rank 0 saves stateDict(). Loading reads the full state and keeps this rank's shard, so a run
 * resumes at any world size.
 */
import { AdamW, type AdamOptions, type AdamState, type OptimizerStateDict } from '../optim/index.js';
import { keep, noGrad, zerosLike, type Tensor } from '../tensor/index.js';
import type { ProcessGroup } from './process-group.js';

export class ZeroAdamW extends AdamW {
  private readonly owners = new Map<Tensor, number>();
  /** Rank 0's consolidated state between consolidateStateDict() and releaseConsolidatedState(). */
  private consolidated: { dict: OptimizerStateDict<AdamOptions>; received: Tensor[] } | null = null;

  constructor(
    private readonly group: ProcessGroup,
    params: readonly Tensor[],
    options: Partial<AdamOptions> = {},
  ) {
    super(params, options);
    const loads = new Array<number>(group.worldSize).fill(0);
    for (const p of params) {
      const r = loads.indexOf(Math.min(...loads));
      this.owners.set(p, r);
      loads[r] = (loads[r] as number) + p.numel;
    }
  }

  /** The rank that updates `param` and holds its moments. */
  ownerOf(param: Tensor): number {
    const r = this.owners.get(param);
    if (r === undefined) throw new RangeError('ZeroAdamW.ownerOf: not a parameter of this optimizer');
    return r;
  }

  /** This rank updates the parameters it owns. */
  protected override updates(param: Tensor): boolean {
    return this.ownerOf(param) === this.group.rank;
  }

  /** Updates this rank's parameters, then every owner broadcasts its updated values. */
  override step(): void {
    super.step();
    const works = this.paramGroups.flatMap((g) => g.params.map((p) => this.group.broadcastAsync(p, this.ownerOf(p))));
    for (const w of works) w.wait();
  }

  /**
   * Collects every rank's moments on rank 0 (all ranks call it, before rank 0 saves): each
   * owner broadcasts its parameters' state, in parameter order.
   */
  consolidateStateDict(): void {
    this.releaseConsolidatedState();
    const params = this.paramGroups.flatMap((g) => g.params);
    const mine = (p: Tensor) => this.ownerOf(p) === this.group.rank;
    // Each parameter's step count (0: no state yet), from its owner.
    const steps = this.group.allReduceNumbers(params.map((p) => (mine(p) ? (this.state.get(p)?.step ?? 0) : 0)));
    const fields = (amsgrad: boolean): (keyof AdamState)[] => (amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq']);
    const dict = super.stateDict({ copy: false });
    const received: Tensor[] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const step = steps[index] as number;
        if (step > 0) {
          const own = mine(p) ? this.state.get(p) : undefined;
          const entry: Record<string, Tensor | number> = { step };
          for (const f of fields(group.amsgrad)) {
            const t = own !== undefined ? (own[f] as Tensor) : keep(noGrad(() => zerosLike(p)));
            this.group.broadcast(t, this.ownerOf(p));
            if (own === undefined) received.push(t);
            entry[f] = t;
          }
          if (this.group.rank === 0) dict.state[String(index)] = entry;
        }
        index += 1;
      }
    }
    if (this.group.rank === 0) {
      this.consolidated = { dict, received };
    } else {
      for (const t of received) t.dispose();
    }
  }

  /** Frees what consolidateStateDict() collected. */
  releaseConsolidatedState(): void {
    for (const t of this.consolidated?.received ?? []) t.dispose();
    this.consolidated = null;
  }

  /** The consolidated state (rank 0, after consolidateStateDict()), in the single-process format. */
  override stateDict(options: { copy?: boolean } = {}): OptimizerStateDict<AdamOptions> {
    if (this.group.worldSize === 1) return super.stateDict(options);
    if (this.consolidated === null) {
      throw new Error(`ZeroAdamW.stateDict on rank ${this.group.rank}: call consolidateStateDict() on every rank first (rank 0 then holds the whole state)`);
    }
    if (options.copy === false) return this.consolidated.dict;
    const { dict } = this.consolidated;
    return {
      paramGroups: structuredClone(dict.paramGroups),
      state: Object.fromEntries(
        Object.entries(dict.state).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).map(([f, v]) => [f, typeof v === 'number' ? v : keep(noGrad(() => (v as Tensor).clone()))]))]),
      ),
    } as OptimizerStateDict<AdamOptions>;
  }

  /** Loads a whole (single-process format) state and keeps this rank's shard of it. */
  override loadStateDict(dict: OptimizerStateDict<AdamOptions>): void {
    super.loadStateDict(dict);
    for (const [p, s] of [...this.state]) {
      if (this.ownerOf(p) === this.group.rank) continue;
      for (const v of Object.values(s)) if (typeof v !== 'number' && v !== undefined) v.dispose();
      this.state.delete(p);
    }
  }

  /** Elements of optimizer state this rank holds (its shard). */
  get shardElements(): number {
    let n = 0;
    for (const s of this.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number' && v !== undefined) n += v.numel;
    return n;
  }
}

