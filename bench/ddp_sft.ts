/**
 * Part (b1) of `npm run bench -- ddp`: SFT tokens/s of the real `rlhf train` on the benchmark
 * model (bench/model.ts, saved as a Hugging Face directory with the fixture tokenizer), as
 * 1 process x 2 threads and as 2 processes x 1 thread with torchrun's environment. Both train
 * the train bench's SFT shape, the same global batch (8 rows x 256 tokens a step: 8 a process
 * alone, 4 a rank at 2 ranks) for the same steps.
 *
 * Steady tokens/s: tokens of steps 2..N / the time between the metrics.jsonl lines of steps 1
 * and N (rank 0 writes one a step, after the step's update; the bench polls the file every
 * 10 ms), so start-up, step 1 and the final save are outside it. Whole-run tokens/s is
 * training_stats.json's train_tokens_per_second (step 1 and the final save included); wall is
 * the processes' start to exit.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { seededRandom } from '../src/data/index.js';
import { CausalLM, savePretrained } from '../src/models/index.js';
import { manualSeed } from '../src/tensor/index.js';
import type { DdpArgs } from './ddp_args.js';
import { runRanks } from './ddp_ranks.js';
import { benchModelConfig } from './model.js';
import { fmt, median, table } from './stats.js';
import { SFT_LENGTH, TRAIN_BENCH_SHAPES } from './train_data.js';

const TOKENIZER = fileURLToPath(new URL('../../test/fixtures/models/tiny-qwen2', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const WORDS = 'the model learns to answer questions about training language models with rewards feedback policy value gradient sample token batch step loss'.split(' ');
const POLL_MS = 10;
/** Threads of the whole machine the two layouts share out. */
const TOTAL_THREADS = 2;

export interface SftRun {
  processes: number;
  threadsPerProcess: number;
  perDeviceBatch: number;
  steps: number;
  tokensPerStep: number;
  medianStepS: number;
  steadyTokensPerS: number;
  wholeRunTokensPerS: number;
  wallS: number;
  finalLoss: number | null;
}

/** The benchmark model saved as a Hugging Face directory, and one epoch of SFT rows, under `dir`. */
function prepare(dir: string, steps: number): { modelDir: string; data: string } {
  const modelDir = join(dir, 'model');
  manualSeed(0);
  const lm = CausalLM.fromConfig(benchModelConfig());
  savePretrained(lm, modelDir);
  lm.dispose();
  // Rows of ~150 words: the fixture tokenizer makes more than 256 tokens of each, so every row is cut to 256.
  const random = seededRandom(0);
  const text = () => Array.from({ length: 150 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  const data = join(dir, 'sft.jsonl');
  const rows = TRAIN_BENCH_SHAPES.sft.batch * steps; // one epoch exactly
  writeFileSync(data, Array.from({ length: rows }, () => `${JSON.stringify({ text: text() })}\n`).join(''));
  return { modelDir, data };
}

function writeConfig(dir: string, name: string, p: { modelDir: string; data: string; out: string; steps: number; perDeviceBatch: number }): string {
  const config = {
    model: { name_or_path: p.modelDir, tokenizer_name_or_path: TOKENIZER, dtype: 'float32' },
    training: {
      algorithm: 'sft', output_dir: p.out, max_steps: p.steps, per_device_train_batch_size: p.perDeviceBatch, learning_rate: 1e-5,
      lr_scheduler_type: 'linear', max_grad_norm: 1.0, logging_steps: 1, save_steps: 1_000_000, seed: 42,
    },
    data: { max_length: SFT_LENGTH, max_prompt_length: SFT_LENGTH / 2, datasets: { sft: { train_files: [{ path: p.data }] } } },
  };
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

/** Times at which rank 0's metrics.jsonl lines appeared, by step, until stop(). */
function watchMetrics(path: string): { stamps: Map<number, number>; stop: () => void } {
  const stamps = new Map<number, number>();
  let size = 0;
  const poll = () => {
    if (!existsSync(path) || statSync(path).size === size) return;
    const now = performance.now();
    const text = readFileSync(path, 'utf8');
    size = Buffer.byteLength(text);
    for (const line of text.split('\n').slice(0, -1)) { // whole lines only: the last may be half-written
      const step = line.trim() === '' ? undefined : (JSON.parse(line) as { step?: number }).step;
      if (step !== undefined && !stamps.has(step)) stamps.set(step, now);
    }
  };
  const timer = setInterval(poll, POLL_MS);
  return { stamps, stop: () => (clearInterval(timer), poll()) };
}

async function trainRun(dir: string, prepared: { modelDir: string; data: string }, processes: number, steps: number): Promise<SftRun> {
  const perDeviceBatch = TRAIN_BENCH_SHAPES.sft.batch / processes;
  const threads = TOTAL_THREADS / processes;
  const name = `${processes}x${threads}`;
  const out = join(dir, `out-${name}`);
  const config = writeConfig(dir, name, { ...prepared, out, steps, perDeviceBatch });
  process.stderr.write(`ddp: rlhf train, ${processes} process(es) x ${threads} thread(s) ...\n`);
  const watch = watchMetrics(join(out, 'metrics.jsonl'));
  let wallS: number;
  try {
    wallS = (await runRanks(process.execPath, [CLI, 'train', '--config', config], { worldSize: processes, threads })).wallS;
  } finally {
    watch.stop();
  }
  const stamps = watch.stamps;
  const stats = JSON.parse(readFileSync(join(out, 'training_stats.json'), 'utf8')) as { train_tokens_per_second: number; train_runtime: number; global_step: number; train_loss: number | null };
  const tokensPerStep = Math.round((stats.train_tokens_per_second * stats.train_runtime) / stats.global_step);
  const intervals: number[] = [];
  for (let s = 2; s <= steps; s++) {
    const a = stamps.get(s - 1);
    const b = stamps.get(s);
    if (a === undefined || b === undefined) throw new Error(`ddp sft ${name}: no metrics.jsonl line for step ${s - 1} or ${s}`);
    intervals.push((b - a) / 1000);
  }
  const span = intervals.reduce((x, y) => x + y, 0);
  return {
    processes, threadsPerProcess: threads, perDeviceBatch, steps, tokensPerStep, medianStepS: median(intervals),
    steadyTokensPerS: (tokensPerStep * (steps - 1)) / span, wholeRunTokensPerS: stats.train_tokens_per_second, wallS, finalLoss: stats.train_loss,
  };
}

export async function measureSft(args: DdpArgs, dir: string): Promise<{ runs: SftRun[]; ratio: number }> {
  const prepared = prepare(dir, args.steps);
  const runs = [await trainRun(dir, prepared, 1, args.steps), await trainRun(dir, prepared, 2, args.steps)];
  const [one, two] = runs as [SftRun, SftRun];
  console.log(`\n(b1) SFT with rlhf train: ${args.steps} steps of ${TRAIN_BENCH_SHAPES.sft.batch} rows x ${SFT_LENGTH} tokens (global batch), benchmark model; steady = steps 2..${args.steps}`);
  table(
    ['layout', 'batch/rank', 'step ms (median)', 'steady tokens/s', 'whole-run tokens/s', 'wall s', 'final loss'],
    runs.map((r) => [`${r.processes} process${r.processes > 1 ? 'es' : ''} x ${r.threadsPerProcess} thread${r.threadsPerProcess > 1 ? 's' : ''}`, r.perDeviceBatch,
      fmt(r.medianStepS * 1000, 1), fmt(r.steadyTokensPerS, 0), fmt(r.wholeRunTokensPerS, 0), fmt(r.wallS, 1), r.finalLoss === null ? '-' : fmt(r.finalLoss, 5)]),
  );
  const ratio = two.steadyTokensPerS / one.steadyTokensPerS;
  console.log(`steady tokens/s, 2 processes x 1 thread / 1 process x 2 threads: ${fmt(ratio)}x (whole run ${fmt(two.wholeRunTokensPerS / one.wholeRunTokensPerS)}x)`);
  return { runs, ratio };
}
