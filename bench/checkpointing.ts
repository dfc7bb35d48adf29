/**
 * `npm run bench -- checkpointing`: an SFT step at 8 x 1024 tokens on the benchmark model
 * (bench/model.ts, saved as a Hugging Face directory) with and without
 * training.gradient_checkpointing, each in its own process (bench/train_step.ts) so its peak RSS
 * is its own; beside it TRL's SFTTrainer with gradient_checkpointing=False / True on the same
 * work (bench/train_step_trl.py) where python imports trl. Prints seconds per step (steps 2..N),
 * peak RSS and the reduction checkpointing gives each side.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CausalLM, savePretrained } from '../src/models/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { benchModelConfig } from './model.js';
import { pythonImports } from './python.js';
import { fmt, table } from './stats.js';

const STEP = fileURLToPath(new URL('./train_step.js', import.meta.url));
const STEP_TRL = fileURLToPath(new URL('../../bench/train_step_trl.py', import.meta.url));
const SHAPE = { batch: 8, length: 1024, steps: 3 };

interface StepResult {
  side: string;
  secondsPerStep: number;
  maxRssGiB: number;
  /** rlhf-ts: the most CPU tensor memory of a timed step (the addon's allocator count). */
  peakTensorGiB?: number;
  firstLoss: number | null;
}

function runJson(command: string, args: string[]): StepResult {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as StepResult;
}

export function runCheckpointing(args: string[]): void {
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-ckpt-'));
  manualSeed(0);
  const lm = CausalLM.fromConfig(benchModelConfig());
  savePretrained(lm, dir);
  lm.dispose();
  const shape = ['--batch', String(SHAPE.batch), '--length', String(SHAPE.length), '--steps', String(SHAPE.steps), '--threads', '2'];
  const rows: { side: string; checkpointing: boolean; r: StepResult }[] = [];
  for (const checkpointing of [false, true]) {
    rows.push({ side: 'rlhf-ts', checkpointing, r: runJson(process.execPath, [STEP, 'sft', dir, ...shape, ...(checkpointing ? ['--checkpointing'] : [])]) });
  }
  const python = process.env.RLHF_BENCH_PYTHON ?? 'python3';
  if (pythonImports(python, 'torch, transformers, trl')) {
    for (const checkpointing of [false, true]) {
      rows.push({ side: 'TRL', checkpointing, r: runJson(python, [STEP_TRL, 'sft', dir, ...shape, ...(checkpointing ? ['--gradient-checkpointing'] : [])]) });
    }
  } else {
    console.log(`(${python} does not import torch, transformers and trl: TRL side skipped; set RLHF_BENCH_PYTHON)`);
  }
  console.log(`\nSFT step, benchmark model (${SHAPE.batch} x ${SHAPE.length} tokens, float32, 2 threads), steps 2..${SHAPE.steps}; peak RSS of the whole process`);
  const base = (side: string) => rows.find((x) => x.side === side && !x.checkpointing)?.r;
  table(
    ['side', 'gradient checkpointing', 's / step', 'peak RSS GiB', 'RSS vs without', 'peak tensors GiB', 'tensors vs without', 'time vs without', 'first loss'],
    rows.map(({ side, checkpointing, r }) => {
      const b = base(side);
      const tensors = r.peakTensorGiB === undefined ? '' : fmt(r.peakTensorGiB, 3);
      const tensorsVs = r.peakTensorGiB === undefined || b?.peakTensorGiB === undefined ? '' : `${fmt(100 * (r.peakTensorGiB / b.peakTensorGiB - 1), 1)}%`;
      return [side, checkpointing ? 'on' : 'off', fmt(r.secondsPerStep, 3), fmt(r.maxRssGiB, 3), b === undefined ? '' : `${fmt(100 * (r.maxRssGiB / b.maxRssGiB - 1), 1)}%`, tensors, tensorsVs, b === undefined ? '' : `${fmt(r.secondsPerStep / b.secondsPerStep, 2)}x`, r.firstLoss === null ? '' : fmt(r.firstLoss, 5)];
    }),
  );
  if (out !== undefined) writeFileSync(out, `${JSON.stringify({ shape: SHAPE, rows }, null, 2)}\n`);
}
