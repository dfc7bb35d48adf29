/**
 * `npm run bench -- train` (issue 5): tokens/s and peak memory of SFT, reward and DPO steps on
 * the benchmark model, each trainer in a fresh process, beside a plain PyTorch + transformers
 * loop on the same batches (where python3 imports both), TRL's trainers (where it imports trl)
 * and the TRL figures of PEER-BASELINE.md.
 *
 * Step time: median over steps 3..N. tokens/s: tokens per step (the trainer's own count of
 * attention-mask ones over all steps / steps; DPO counts policy rows only) / median step.
 * Environment: RLHF_BENCH_REPEATS (runs per side, best median kept; default 1), RLHF_BENCH_THREADS
 * (default 2), RLHF_BENCH_PYTHON (the interpreter of the PyTorch/TRL side), RLHF_TORCH_ADDON,
 * RLHF_BENCH_DEVICE (cpu, cuda; default cpu) and RLHF_BENCH_PRECISION (fp32, bf16, fp16; default
 * fp32), read by both sides.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../src/index.js';
import { findTransformersPython, pythonImports, runPythonJson } from './python.js';
import { fmt, median, table } from './stats.js';
import type { TrainChildResult } from './train_child.js';
import { makeTrainBenchData, TRAIN_BENCH_MODES, TRAIN_BENCH_SHAPES, type TrainBenchMode } from './train_data.js';

const THREADS = Number(process.env.RLHF_BENCH_THREADS ?? 2);
const REPEATS = Number(process.env.RLHF_BENCH_REPEATS ?? 1);
const DEVICE = process.env.RLHF_BENCH_DEVICE ?? 'cpu';
const PRECISION = process.env.RLHF_BENCH_PRECISION ?? 'fp32';
const MiB = 1024 * 1024;

/** TRL 1.13 on this kind of machine (PEER-BASELINE.md, summary table): quoted, not measured here. */
const TRL_BASELINE: Record<TrainBenchMode, { stepS: number; tokensPerS: number; rssMiB: number }> = {
  sft: { stepS: 0.351, tokensPerS: 5837, rssMiB: 780 },
  reward: { stepS: 0.320, tokensPerS: 4741, rssMiB: 758 },
  dpo: { stepS: 0.461, tokensPerS: 3293, rssMiB: 802 },
};

/** What either side reports for one trainer. */
interface SideResult {
  stepTimes: number[];
  firstStep: number;
  tokens: number | null;
  steps: number;
  maxRssBytes: number;
  addonPeakBytes?: number;
  numParameters: number;
  impl?: string;
  torch?: string;
  transformers?: string;
}

interface Figures {
  stepS: number;
  /** Fastest steady step: less sensitive to other load on the machine than the median. */
  minS: number;
  tokensPerS: number | null;
  rssMiB: number;
  addonMiB: number | null;
}

/** Median of steps 3..N, tokens per step over all steps. */
function figures(r: SideResult): Figures {
  const steady = r.stepTimes.filter((_, i) => r.firstStep + i >= 3);
  const stepS = median(steady);
  return {
    stepS,
    minS: Math.min(...steady),
    tokensPerS: r.tokens === null ? null : r.tokens / r.steps / stepS,
    rssMiB: r.maxRssBytes / MiB,
    addonMiB: r.addonPeakBytes === undefined ? null : r.addonPeakBytes / MiB,
  };
}

function fastest<T extends SideResult>(best: T | null, run: T): T {
  return best === null || figures(run).stepS < figures(best).stepS ? run : best;
}

function runChild(mode: TrainBenchMode, dataPath: string): TrainChildResult {
  const child = fileURLToPath(new URL('./train_child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child, mode, dataPath, String(THREADS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`rlhf-ts ${mode} child failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as TrainChildResult;
}

const majorMinor = (version: string) => version.split('.').slice(0, 2).join('.');
const ratio = (ours: number | null, theirs: number | null) => (ours === null || theirs === null ? '-' : `${fmt(ours / theirs)}x`);
const num = (x: number | null, digits: number) => (x === null ? '-' : fmt(x, digits));

export function runTrain(): void {
  const started = Date.now();
  const info = buildInfo();
  console.log(`rlhf-ts train bench: libtorch ${info.torchVersion}, ${DEVICE} ${PRECISION}, ${THREADS} threads, each trainer in a fresh process${REPEATS > 1 ? `, best of ${REPEATS} runs` : ''}; load average ${loadavg().map((x) => fmt(x)).join(' ')}`);
  const python = findTransformersPython();
  const withTrl = python !== null && pythonImports(python, 'trl, datasets');
  const script = fileURLToPath(new URL('../../bench/train_torch.py', import.meta.url));
  console.log(python === null
    ? 'PyTorch side by side: skipped (no python3 that imports torch and transformers)'
    : `PyTorch side by side: ${python} (a plain loop: same model, same batches, AdamW, clipping 1.0)${withTrl ? '; TRL: measured' : '; TRL: not importable, PEER-BASELINE.md figures quoted'}`);

  const dir = mkdtempSync(join(tmpdir(), 'rlhf-bench-train-'));
  const dataPath = join(dir, 'data.json');
  const data = makeTrainBenchData();
  writeFileSync(dataPath, JSON.stringify(data));
  let torchVersion: string | null = null;
  try {
    for (const mode of TRAIN_BENCH_MODES) {
      const shape = TRAIN_BENCH_SHAPES[mode];
      // Each side REPEATS times, alternating; the run with the smallest median step counts (as timeit's best of n).
      let ours: TrainChildResult | null = null;
      let torch: SideResult | null = null;
      let trl: SideResult | null = null;
      let trlError: string | null = null;
      for (let r = 0; r < REPEATS; r++) {
        ours = fastest(ours, runChild(mode, dataPath));
        if (python !== null) torch = fastest(torch, runPythonJson<SideResult>(python, script, [mode, dataPath, String(THREADS), 'loop']));
        if (withTrl && python !== null && trlError === null) {
          try {
            trl = fastest(trl, runPythonJson<SideResult>(python, script, [mode, dataPath, String(THREADS), 'trl']));
          } catch (err) {
            trlError = (err as Error).message.split('\n').slice(-3).join(' ');
          }
        }
      }
      if (ours === null) throw new Error('RLHF_BENCH_REPEATS must be >= 1');
      torchVersion = torch?.torch ?? torchVersion;
      const o = figures(ours);
      const p = torch === null ? null : figures(torch);
      const t = trl === null ? null : figures(trl);
      const base = TRL_BASELINE[mode];
      console.log(`\n${mode}: ${shape.steps} steps of ${shape.what}, ${ours.numParameters} parameters, ${fmt(ours.tokens / ours.steps, 0)} tokens/step`);
      const rows: (string | number)[][] = [
        [`rlhf-ts Trainer (libtorch ${info.torchVersion})`, fmt(o.stepS, 3), fmt(o.minS, 3), num(o.tokensPerS, 0), fmt(o.rssMiB, 0), num(o.addonMiB, 0)],
      ];
      if (torch !== null && p !== null) rows.push([`PyTorch ${torch.torch} loop`, fmt(p.stepS, 3), fmt(p.minS, 3), num(p.tokensPerS, 0), fmt(p.rssMiB, 0), '-']);
      if (trl !== null && t !== null) rows.push([trl.impl ?? 'TRL', fmt(t.stepS, 3), fmt(t.minS, 3), num(t.tokensPerS, 0), fmt(t.rssMiB, 0), '-']);
      rows.push(['TRL 1.13 (PEER-BASELINE.md)*', fmt(base.stepS, 3), '-', fmt(base.tokensPerS, 0), fmt(base.rssMiB, 0), '-']);
      table(['', 'step (s)', 'min (s)', 'tokens/s', 'peak RSS (MiB)', 'addon (MiB)'], rows);
      const ratios = [
        `rlhf-ts / PyTorch loop: ${ratio(o.tokensPerS, p?.tokensPerS ?? null)}`,
        ...(t === null ? [] : [`rlhf-ts / TRL (measured): ${ratio(o.tokensPerS, t.tokensPerS)}`]),
        `rlhf-ts / TRL baseline*: ${ratio(o.tokensPerS, base.tokensPerS)}`,
      ];
      console.log(`tokens/s ratios: ${ratios.join(', ')} (target >= 1.00x TRL)`);
      if (trlError !== null) console.log(`TRL ${mode}: failed: ${trlError}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const notes = [
    '',
    '* reference figures from PEER-BASELINE.md (PyTorch 2.13 + transformers 5.18 + TRL 1.13 on a 2-core machine), not measured in this run.',
    'step (s): median over steps 3..N; min (s): the fastest of them; tokens/s: tokens per step / median step.',
    'rlhf-ts: the real Trainer; a step is the time between two progress updates (collation, forward, backward, clipping,',
    "AdamW, the algorithm's .item() metrics, metrics.jsonl/TensorBoard/training.log writes); the final save is not timed.",
    'PyTorch loop: from the collation to the metrics write of each step.',
    "peak RSS: ru_maxrss of the trainer's own process (node + libtorch, or python + torch + transformers).",
    'addon: the largest memory().numBytes (distinct storages of live tensors) right after a forward.',
  ];
  if (torchVersion !== null && majorMinor(torchVersion) !== majorMinor(info.torchVersion)) {
    notes.push(`rlhf-ts runs libtorch ${info.torchVersion} and PyTorch is ${torchVersion}: their kernels differ; RLHF_TORCH_ADDON=<the addon built on libtorch ${majorMinor(torchVersion)}> runs the same ones.`);
  }
  notes.push(`whole suite: ${fmt((Date.now() - started) / 1000, 1)} s; load average ${loadavg().map((x) => fmt(x)).join(' ')} (other work on the machine slows both sides, unevenly).`);
  console.log(notes.join('\n'));
}
