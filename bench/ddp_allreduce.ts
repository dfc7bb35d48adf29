/**
 * Part (a) of `npm run bench -- ddp`: all-reduce bus bandwidth of float32 tensors over 2 ranks,
 * through rlhf-ts's ProcessGroup (bench/ddp_allreduce_child.ts) and through torch.distributed's
 * Gloo (bench/ddp_torch.py) on the same sizes, each side's ranks started fresh with one thread.
 */
import { fileURLToPath } from 'node:url';
import type { DdpArgs } from './ddp_args.js';
import type { AllReduceTimes } from './ddp_allreduce_child.js';
import { lastJson, runRanks } from './ddp_ranks.js';
import { fmt, median, table } from './stats.js';

export const ALLREDUCE_WORLD = 2;
const MiB = 1024 * 1024;

/**
 * Bus bandwidth in bytes/s (nccl-tests' convention): a ring all-reduce moves 2(n-1)/n of the
 * buffer through each rank's link, so busbw = bytes / time x 2(n-1)/n, comparable across n.
 */
export function busBandwidth(bytes: number, seconds: number, worldSize: number): number {
  return ((bytes / seconds) * 2 * (worldSize - 1)) / worldSize;
}

/**
 * Timed all-reduces of one size: `iters`, and more below 16 MiB (the same ~16 x iters MiB of
 * traffic), since a small all-reduce takes a millisecond or less and one descheduled rank skews it.
 */
export function itersFor(mib: number, iters: number): number {
  return Math.max(iters, Math.round((iters * 16) / mib));
}

export interface AllReduceRow {
  mib: number;
  iters: number;
  oursS: number;
  oursBusGBs: number;
  torchS: number | null;
  torchBusGBs: number | null;
  /** rlhf-ts bus bandwidth / PyTorch's (target >= 0.95). */
  ratio: number | null;
}

export interface AllReduceResult {
  worldSize: number;
  torch: string | null;
  rows: AllReduceRow[];
  /** Every timed iteration, both sides, for a second look. */
  raw: { ours: AllReduceTimes; torch: AllReduceTimes | null };
}

export async function measureAllReduce(args: DdpArgs, python: string | null): Promise<AllReduceResult> {
  const iters = args.sizesMiB.map((mib) => itersFor(mib, args.iters));
  const task = JSON.stringify({ sizesMiB: args.sizesMiB, warmup: args.warmup, iters });
  const options = { worldSize: ALLREDUCE_WORLD, threads: 1 };
  process.stderr.write('ddp: all-reduce, rlhf-ts ...\n');
  const oursRun = await runRanks(process.execPath, [fileURLToPath(new URL('./ddp_allreduce_child.js', import.meta.url)), task], options);
  const ours = lastJson<AllReduceTimes>(oursRun.stdout[0] ?? '');
  let torch: (AllReduceTimes & { torch?: string }) | null = null;
  if (python !== null) {
    process.stderr.write('ddp: all-reduce, PyTorch ...\n');
    const torchRun = await runRanks(python, [fileURLToPath(new URL('../../bench/ddp_torch.py', import.meta.url)), task], options);
    torch = lastJson<AllReduceTimes & { torch?: string }>(torchRun.stdout[0] ?? '');
  }
  for (const [side, r] of [['rlhf-ts', ours], ['PyTorch', torch]] as const) {
    const wrong = Object.entries(r?.dtypes ?? {}).filter(([, d]) => d !== 'float32');
    if (wrong.length > 0) throw new Error(`ddp all-reduce: the ${side} side reduced ${wrong.map(([mib, d]) => `${d} at ${mib} MiB`).join(', ')}, not float32`);
  }
  const rows = args.sizesMiB.map((mib, i): AllReduceRow => {
    const bytes = mib * MiB;
    const oursS = median(ours.times[String(mib)] ?? []);
    const torchTimes = torch?.times[String(mib)];
    const torchS = torchTimes === undefined ? null : median(torchTimes);
    const oursBus = busBandwidth(bytes, oursS, ALLREDUCE_WORLD) / 1e9;
    const torchBus = torchS === null ? null : busBandwidth(bytes, torchS, ALLREDUCE_WORLD) / 1e9;
    return { mib, iters: iters[i] as number, oursS, oursBusGBs: oursBus, torchS, torchBusGBs: torchBus, ratio: torchBus === null ? null : oursBus / torchBus };
  });
  console.log(`\n(a) all-reduce (sum, float32, ${ALLREDUCE_WORLD} ranks x 1 thread, Gloo over loopback): median of the timed iterations after ${args.warmup} warm-up, each after a barrier`);
  table(
    ['MiB', 'iters', 'rlhf-ts ms', 'rlhf-ts busbw GB/s', ...(torch ? ['PyTorch ms', 'PyTorch busbw GB/s', 'rlhf-ts / PyTorch'] : [])],
    rows.map((r) => [r.mib, r.iters, fmt(r.oursS * 1000, 2), fmt(r.oursBusGBs, 2),
      ...(torch ? [fmt((r.torchS ?? NaN) * 1000, 2), fmt(r.torchBusGBs ?? NaN, 2), r.ratio === null ? '-' : `${fmt(r.ratio)}x`] : [])]),
  );
  if (torch) {
    const ratios = rows.map((r) => r.ratio ?? NaN);
    console.log(`busbw ratio: min ${fmt(Math.min(...ratios))}x, median ${fmt(median(ratios))}x (target >= 0.95x); busbw = MiB x 2(n-1)/n / time, GB = 1e9 bytes`);
  }
  return { worldSize: ALLREDUCE_WORLD, torch: torch?.torch ?? null, rows, raw: { ours, torch } };
}
