/**
 * One rank of the all-reduce loop of `npm run bench -- ddp`, started by bench/ddp.ts with
 * torchrun's environment (bench/ddp_torch.py is the same loop on torch.distributed):
 *
 *   node dist/bench/ddp_allreduce_child.js '{"sizesMiB":[1,4],"warmup":3,"iters":[160,40]}'
 *
 * Per size, a float32 tensor all-reduced (sum, in place) through ProcessGroup: the first warm-up
 * checks the sum, the rest are untimed; each timed iteration starts after a barrier, so every
 * rank enters together and a time is one all-reduce, not the skew between ranks. Rank 0 prints
 * one JSON line: seconds per iteration, by size.
 */
import { ProcessGroup, worldEnv } from '../src/distributed/index.js';
import { full, tidy } from '../src/tensor/index.js';

export interface AllReduceTimes {
  side: string;
  worldSize: number;
  /** The dtype actually reduced, by size (the parent checks it is float32). */
  dtypes: Record<string, string>;
  /** Seconds of each timed iteration, keyed by the size in MiB. */
  times: Record<string, number[]>;
}

const MiB = 1024 * 1024;
/** iters: timed iterations, one count per size. */
const task = JSON.parse(process.argv[2] ?? '{}') as { sizesMiB: number[]; warmup: number; iters: number[] };
const group = ProcessGroup.init(worldEnv(), { timeoutSeconds: 300 });
const times: Record<string, number[]> = {};
const dtypes: Record<string, string> = {};
try {
  for (const [k, mib] of task.sizesMiB.entries()) {
    const t = full([Math.round((mib * MiB) / 4)], group.rank + 1, { dtype: 'float32' }); // an integer fill would infer int64, as torch.full
    try {
      group.allReduce(t, 'sum');
      const want = (group.worldSize * (group.worldSize + 1)) / 2;
      const got = tidy(() => t.slice(0, 0, 1).item());
      if (got !== want) throw new Error(`all-reduce of ${mib} MiB: rank ${group.rank} holds ${got}, expected ${want}`);
      t.zero_(); // zeros stay zeros however often they are summed
      for (let i = 1; i < task.warmup; i++) group.allReduce(t, 'sum');
      const row: number[] = [];
      for (let i = 0; i < (task.iters[k] as number); i++) {
        group.barrier();
        const start = performance.now();
        group.allReduce(t, 'sum');
        row.push((performance.now() - start) / 1000);
      }
      times[String(mib)] = row;
      dtypes[String(mib)] = t.dtype;
    } finally {
      t.dispose();
    }
  }
  group.barrier();
} finally {
  group.destroy();
}
if (group.rank === 0) console.log(JSON.stringify({ side: 'rlhf-ts', worldSize: group.worldSize, dtypes, times } satisfies AllReduceTimes));
