/**
 * Part (b2) of `npm run bench -- ddp`: the fraction of the gradient all-reduce that GradientSync
 * hides behind backward, 2 ranks x 1 thread on the benchmark model (bench/ddp_overlap_child.ts).
 *
 * Per step, the rank whose backward ended last counts: from then on every rank's gradients are
 * in, so its wait is all-reduce time not hidden; the others' waits add the time they waited for
 * it (the skew, shown beside). hidden = 1 - wait / allReduceAloneMs, the share of a plain
 * all-reduce of the same bytes that finish() no longer waits for. On a machine whose cores the
 * backward already fills, the background all-reduce also slows backward down; `net` counts that:
 * net = 1 - (armed backward + wait - plain backward) / allReduceAloneMs (1: the sync is free,
 * 0: as slow as all-reducing after backward). Medians over the steady steps.
 */
import { fileURLToPath } from 'node:url';
import type { DdpArgs } from './ddp_args.js';
import type { OverlapChildResult, OverlapSteps } from './ddp_overlap_child.js';
import { lastJson, runRanks } from './ddp_ranks.js';
import { TRAIN_BENCH_SHAPES, SFT_LENGTH } from './train_data.js';
import { fmt, median, table } from './stats.js';

const WORLD = 2;
const MiB = 1024 * 1024;

export interface OverlapRow {
  bucketMb: number;
  buckets: number;
  mib: number;
  launchedInBackward: number;
  /** Of the rank whose backward ended last, per step. */
  backwardPlainMs: number;
  backwardArmedMs: number;
  waitMs: number;
  allReduceAloneMs: number;
  /** The wait of the rank whose backward ended first (all-reduce + skew). */
  firstRankWaitMs: number;
  /** Last backward end - first backward end. */
  skewMs: number;
  hidden: number;
  net: number;
}

/** One bucket cap's row from every rank's steps. */
export function overlapRow(ranks: readonly OverlapSteps[]): OverlapRow {
  const r0 = ranks[0] as OverlapSteps;
  const steps = r0.waitMs.map((_, i) => {
    const at = (xs: number[]) => xs[i] as number;
    const byEnd = [...ranks].sort((a, b) => at(a.backwardEndMs) - at(b.backwardEndMs));
    const [first, late] = [byEnd[0] as OverlapSteps, byEnd[byEnd.length - 1] as OverlapSteps];
    return {
      plain: at(late.backwardPlainMs), armed: at(late.backwardArmedMs), wait: at(late.waitMs), alone: at(late.allReduceAloneMs),
      firstWait: at(first.waitMs), skew: at(late.backwardEndMs) - at(first.backwardEndMs),
      cost: at(late.backwardArmedMs) + at(late.waitMs) - at(late.backwardPlainMs),
    };
  });
  const med = (k: keyof (typeof steps)[number]) => median(steps.map((s) => s[k]));
  return {
    bucketMb: r0.bucketMb, buckets: r0.buckets, mib: r0.bytes / MiB, launchedInBackward: r0.launchedInBackward,
    backwardPlainMs: med('plain'), backwardArmedMs: med('armed'), waitMs: med('wait'), allReduceAloneMs: med('alone'),
    firstRankWaitMs: med('firstWait'), skewMs: med('skew'),
    hidden: 1 - med('wait') / med('alone'),
    net: 1 - med('cost') / med('alone'),
  };
}

export async function measureOverlap(args: DdpArgs): Promise<{ rows: OverlapRow[]; raw: OverlapChildResult[] }> {
  const batch = TRAIN_BENCH_SHAPES.sft.batch / WORLD;
  const task = JSON.stringify({ steps: args.steps, bucketsMb: args.bucketsMb, batch, seqLen: SFT_LENGTH });
  process.stderr.write('ddp: gradient all-reduce overlap ...\n');
  const run = await runRanks(process.execPath, [fileURLToPath(new URL('./ddp_overlap_child.js', import.meta.url)), task], { worldSize: WORLD, threads: 1 });
  const raw = run.stdout.map((s) => lastJson<OverlapChildResult>(s));
  const r0 = raw[0] as OverlapChildResult;
  const rows = r0.runs.map((_, i) => overlapRow(raw.map((r) => r.runs[i] as OverlapSteps)));
  console.log(`\n(b2) all-reduce hidden behind backward: ${WORLD} ranks x 1 thread, ${batch} x ${SFT_LENGTH} tokens a rank, ${r0.numParameters} parameters; medians of steps ${r0.warmupSteps + 1}..${args.steps}, the rank whose backward ended last`);
  table(
    ['bucket cap MiB', 'buckets (in bwd)', 'grad MiB', 'bwd ms', 'bwd+sync ms', 'wait ms', 'all-reduce alone ms', 'hidden', 'net', 'skew ms', 'first rank wait ms'],
    rows.map((r) => [r.bucketMb === 25 ? '25 (default)' : r.bucketMb, `${r.buckets} (${r.launchedInBackward})`, fmt(r.mib, 1), fmt(r.backwardPlainMs, 1), fmt(r.backwardArmedMs, 1),
      fmt(r.waitMs, 1), fmt(r.allReduceAloneMs, 1), pct(r.hidden), pct(r.net), fmt(r.skewMs, 1), fmt(r.firstRankWaitMs, 1)]),
  );
  console.log('hidden = 1 - wait / all-reduce alone; net = 1 - (bwd+sync + wait - bwd) / all-reduce alone (counts the slowdown of backward too);');
  console.log('skew: how much later the last rank ended backward; the first rank waits for it too (its wait is not all-reduce time)');
  return { rows, raw };
}

const pct = (x: number) => `${fmt(100 * x, 0)}%`;
