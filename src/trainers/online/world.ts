/**
 * How an online algorithm sees data parallelism: each rank rolls out its own prompts (a GRPO
 * group never spans ranks), and the statistics that mix rows — group advantages with batch
 * scaling, whitening, logged rewards — are computed over every rank's rows.
 */
import type { ProcessGroup } from '../../distributed/index.js';
import { tensor } from '../../tensor/index.js';

export interface RolloutWorld {
  readonly rank: number;
  readonly worldSize: number;
  /** Every rank's `values` (each rank passes the same count), concatenated in rank order. */
  gather(values: readonly number[]): number[];
  /** Element-wise sums over ranks. */
  sum(values: readonly number[]): number[];
}

/** One process: gather and sum are the identity. */
export const SINGLE_PROCESS: RolloutWorld = { rank: 0, worldSize: 1, gather: (v) => [...v], sum: (v) => [...v] };

export function rolloutWorld(group: ProcessGroup | null): RolloutWorld {
  if (group === null) return SINGLE_PROCESS;
  return {
    rank: group.rank,
    worldSize: group.worldSize,
    gather(values) {
      const local = tensor(Float64Array.from(values));
      const parts = group.allGather(local);
      try {
        return parts.flatMap((p) => Array.from(p.toTypedArray() as Float64Array));
      } finally {
        local.dispose();
        for (const p of parts) p.dispose();
      }
    },
    sum: (values) => group.allReduceNumbers(values, 'sum'),
  };
}
