/**
 * Checkpoint load time and peak RSS, rlhf-ts beside transformers' from_pretrained, each load in
 * a fresh process (best of RUNS): fp32 -> fp32, fp32 -> bf16, bf16 -> bf16, and fp32 read
 * without mmap. Heavy at 0.5B: run under the shared lock.
 *
 * Usage: node dist/bench/load.js FP32_DIR BF16_DIR [RUNS] [--touch]
 *   e.g. flock /work/bench.lock node dist/bench/load.js /work/models/qwen2-0.5b /work/models/qwen2-0.5b-bf16 3
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTransformersPython } from './python.js';

interface LoadRun { side: string; dtype: string; loadSeconds: number; touchSeconds: number | null; rssBefore: number; peakAfterLoad: number; peakRss: number }

const here = dirname(fileURLToPath(import.meta.url));
const [fp32Dir, bf16Dir, runsArg = '3', ...flags] = process.argv.slice(2);
if (fp32Dir === undefined || bf16Dir === undefined) throw new Error('usage: load.js FP32_DIR BF16_DIR [RUNS] [--touch]');
const runs = Number(runsArg);
const touch = flags.includes('--touch') ? ['--touch'] : [];
const python = findTransformersPython();

function once(cmd: string, args: string[]): LoadRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as LoadRun;
}

/** The run with the fastest load (peak RSS varies little between runs). */
function best(cmd: string, args: string[]): LoadRun {
  const all = Array.from({ length: runs }, () => once(cmd, args));
  return all.reduce((a, b) => (b.loadSeconds < a.loadSeconds ? b : a));
}

const gib = (b: number): string => (b / 2 ** 30).toFixed(2);
const checkpointBytes = (dir: string): number => statSync(join(dir, 'model.safetensors')).size;
const cases: [string, string, string, string[]][] = [
  ['fp32 -> fp32', fp32Dir, 'float32', []],
  ['fp32 -> fp32, mmap: false', fp32Dir, 'float32', ['--no-mmap']],
  ['fp32 -> bf16', fp32Dir, 'bfloat16', []],
  ['bf16 -> bf16', bf16Dir, 'bfloat16', []],
];
console.log(`| load | checkpoint GiB | rlhf-ts s | transformers s | ratio | rlhf-ts peak RSS GiB (x ckpt) | transformers peak RSS GiB (x ckpt) |${touch.length ? ' touch s (ours / theirs) |' : ''}`);
console.log(`|---|---|---|---|---|---|---|${touch.length ? '---|' : ''}`);
for (const [label, dir, dtype, extra] of cases) {
  const ours = best('node', [join(here, 'load_child.js'), dir, dtype, ...extra, ...touch]);
  const theirs = python && extra.length === 0 ? best(python, [join(here, '..', '..', 'bench', 'load_torch.py'), dir, dtype, ...touch]) : null;
  const size = checkpointBytes(dir);
  const ratio = theirs ? (ours.loadSeconds / theirs.loadSeconds).toFixed(2) : '-';
  const rss = (r: LoadRun): string => `${gib(r.peakAfterLoad)} (${(r.peakAfterLoad / size).toFixed(2)}x; ${gib(r.rssBefore)} before)`;
  const touchCol = touch.length ? ` ${ours.touchSeconds?.toFixed(2)} / ${theirs?.touchSeconds?.toFixed(2) ?? '-'} |` : '';
  console.log(`| ${label} | ${gib(size)} | ${ours.loadSeconds.toFixed(3)} | ${theirs ? theirs.loadSeconds.toFixed(3) : '-'} | ${ratio} | ${rss(ours)} | ${theirs ? rss(theirs) : '-'} |${touchCol}`);
}
