/**
 * `npm run bench -- ddp [allreduce|sft|overlap ...] [--sizes 1,4,16,64,256] [--iters 10]
 * [--warmup 3] [--steps 20] [--buckets 25,4] [--out FILE.json]`: data parallelism on this node.
 *
 * (a) allreduce: bus bandwidth of 2-rank float32 all-reduces through rlhf-ts's ProcessGroup and,
 *     where RLHF_BENCH_PYTHON / python3 imports torch, through torch.distributed's Gloo on the
 *     same sizes (bench/ddp_allreduce.ts; target >= 0.95x).
 * (b) sft: `rlhf train` SFT tokens/s on the benchmark model, 1 process x 2 threads vs
 *     2 processes x 1 thread, same global batch and steps (bench/ddp_sft.ts);
 *     overlap: the fraction of the gradient all-reduce hidden behind backward (bench/ddp_overlap.ts).
 *
 * Every measurement starts its own processes, with torchrun's environment where it has ranks.
 * Environment: RLHF_BENCH_PARTS, RLHF_BENCH_SIZES, RLHF_BENCH_ITERS, RLHF_BENCH_WARMUP,
 * RLHF_BENCH_STEPS, RLHF_BENCH_BUCKETS, RLHF_BENCH_OUT, RLHF_BENCH_PYTHON (arguments win).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildInfo } from '../src/index.js';
import { parseDdpArgs } from './ddp_args.js';
import { measureAllReduce } from './ddp_allreduce.js';
import { measureOverlap } from './ddp_overlap.js';
import { measureSft } from './ddp_sft.js';
import { findTorchPython } from './python.js';
import { fmt } from './stats.js';

export async function runDdp(argv: readonly string[] = process.argv.slice(3)): Promise<void> {
  const started = Date.now();
  const args = parseDdpArgs(argv, process.env, new Date().toISOString().slice(0, 10));
  const info = buildInfo();
  const python = args.parts.includes('allreduce') ? findTorchPython(info.torchVersion) : null;
  const load = () => loadavg().map((x) => fmt(x)).join(' ');
  console.log(`rlhf-ts ddp bench: libtorch ${info.torchVersion}, ${cpus().length} cores, parts ${args.parts.join(', ')}; load average ${load()}`);
  if (args.parts.includes('allreduce')) {
    console.log(python === null ? 'PyTorch side by side: skipped (no python3 with torch; set RLHF_BENCH_PYTHON)' : `PyTorch side by side: ${python} (torch.distributed, gloo)`);
  }
  const results: Record<string, unknown> = { date: new Date().toISOString(), libtorch: info.torchVersion, cores: cpus().length, loadAverageStart: loadavg(), python, args };
  const work = mkdtempSync(join(tmpdir(), 'rlhf-bench-ddp-'));
  try {
    if (args.parts.includes('allreduce')) results.allreduce = await measureAllReduce(args, python);
    if (args.parts.includes('sft')) results.sft = await measureSft(args, work);
    if (args.parts.includes('overlap')) results.overlap = await measureOverlap(args);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  results.seconds = (Date.now() - started) / 1000;
  results.loadAverageEnd = loadavg();
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\nwhole run ${fmt(results.seconds as number, 0)} s, load average at the end ${load()} (other work on the machine slows both sides, unevenly); results: ${args.out}`);
}
