/**
 * `npm run bench -- scale [memory|load|generate|rollout|sft|dpo|grpo ...] [--scale 0.5b|1.5b|7b] [--out FILE]`
 * (issue 16): a Qwen2.5-shaped model of real size with random weights, built here and saved as
 * Hugging Face checkpoints (bench/scale_model.ts), measured beside transformers / TRL (+ PEFT)
 * on the same work, each measurement in a fresh process of its own (bench/scale_child.ts,
 * bench/scale_torch.py). Tables print both sides and their ratio (> 1: rlhf-ts is faster or,
 * for RSS, the peer uses more); decoding is set against the machine's copy bandwidth; everything
 * is written as JSON for docs/performance.md.
 *
 * Environment: RLHF_BENCH_SCALE, RLHF_BENCH_PARTS, RLHF_BENCH_DIR (checkpoint cache), RLHF_BENCH_OUT,
 * RLHF_BENCH_THREADS (2), RLHF_BENCH_DTYPES (fp32,bf16), RLHF_BENCH_LORA (off,on),
 * RLHF_BENCH_BATCHES (1,8,32), RLHF_BENCH_STEPS (3), RLHF_BENCH_ROLLOUT_PROMPTS (2), RLHF_BENCH_PYTHON.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInfo } from '../src/index.js';
import { findTransformersPython, pythonImports } from './python.js';
import { parseScaleArgs, TRAIN_PARTS, type ScaleArgs } from './scale_args.js';
import type { ScaleChildResult, ScaleTask } from './scale_child.js';
import { GENERATE_PROMPT_LENGTH, GROUP_SIZE, NEW_TOKENS, randomPrompts, ROLLOUT_PROMPT_LENGTH, writeTrainData, type TrainMode } from './scale_data.js';
import { checkpointDir, ensureCheckpoints } from './scale_model.js';
import { printMemoryTables, printGenerate, printLoad, printRollout, printTrain, type Side } from './scale_report.js';
import { memoryBudget, SCALE_SHAPES, SCALES, type BenchDtype } from './scale_shapes.js';

const TOKENIZER = resolve('test/fixtures/models/tiny-qwen2');
const PAD = 151643;

/** Runs one measurement; a failure is recorded, not thrown, so one broken side leaves the rest of the run. */
function child(command: string, args: string[], what: string): Side {
  process.stderr.write(`scale: ${what} ...\n`);
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    // The error's own lines (message, ZodError issues), not the stack frames under them.
    const lines = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').filter((l) => !/^\s+at |^Node\.js v|^\s*$/.test(l));
    const why = lines.slice(-12).join(' | ').slice(-1500);
    process.stderr.write(`scale: ${what} failed: ${why}\n`);
    return { error: why };
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as ScaleChildResult;
}

export async function runScale(argv: readonly string[] = process.argv.slice(3)): Promise<void> {
  const started = Date.now();
  const args = parseScaleArgs(argv, process.env, new Date().toISOString().slice(0, 10));
  const info = buildInfo();
  const python = findTransformersPython();
  const withTrl = python !== null && pythonImports(python, 'trl, datasets');
  const withPeft = withTrl && python !== null && pythonImports(python, 'peft');
  const shape = SCALE_SHAPES[args.scale];
  const header = `rlhf-ts scale bench: ${args.scale === 'smoke' ? 'smoke-test' : `Qwen2.5-${args.scale.toUpperCase()}`} shape (${memoryBudget(shape).parameters.toLocaleString('en-US')} parameters, random weights), libtorch ${info.torchVersion}, ${args.threads} threads of ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
  console.log(header);
  console.log(python === null ? 'peer: none (no python that imports torch and transformers; set RLHF_BENCH_PYTHON)'
    : `peer: ${python} (transformers${withTrl ? ', TRL' : ''}${withPeft ? ', PEFT' : ''})`);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(), scale: args.scale, parameters: memoryBudget(shape).parameters, libtorch: info.torchVersion,
    threads: args.threads, cores: cpus().length, loadAverageStart: loadavg(), python, args,
  };
  if (args.parts.includes('memory')) results.memory = printMemoryTables(SCALES.filter((s) => s !== 'smoke'));

  const needsModel = args.parts.some((p) => p !== 'memory');
  if (needsModel) {
    const dtypes = new Set<BenchDtype>(args.dtypes);
    if (args.parts.some((p) => TRAIN_PARTS.includes(p))) dtypes.add('fp32'); // training loads fp32 weights (bf16 = autocast)
    process.stderr.write(`scale: checkpoints in ${args.dir} ...\n`);
    const built = ensureCheckpoints(args.scale, args.dir, [...dtypes]);
    console.log(built > 0 ? `checkpoints: built and saved in ${built.toFixed(1)} s under ${args.dir}` : `checkpoints: reused from ${args.dir}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'rlhf-bench-scale-'));
  const ts = (task: ScaleTask, what: string) => child(process.execPath, [fileURLToPath(new URL('./scale_child.js', import.meta.url)), JSON.stringify(task)], `rlhf-ts ${what}`);
  const py = (task: ScaleTask, what: string, needs = true): Side | null =>
    python === null || !needs ? null : child(python, [fileURLToPath(new URL('../../bench/scale_torch.py', import.meta.url)), JSON.stringify(task)], `peer ${what}`);
  const threads = args.threads;
  try {
    if (args.parts.includes('load')) results.load = measureLoad(args, ts, py);
    if (args.parts.includes('generate') || args.parts.includes('rollout')) {
      const bandwidth = ts({ task: 'bandwidth', threads, mib: 512 }, 'copy bandwidth');
      results.copyBytesPerS = 'error' in bandwidth ? null : bandwidth.copyBytesPerS;
      const copy = results.copyBytesPerS as number | null;
      console.log(copy === null ? 'copy bandwidth: failed' : `copy bandwidth: ${(copy / 1e9).toFixed(2)} GB/s (read + write of a 512 MiB float32 tensor, best of 5, ${threads} threads)`);
      if (args.parts.includes('generate')) {
        const promptsPath = join(work, 'prompts.json');
        writeFileSync(promptsPath, JSON.stringify(randomPrompts(Math.max(...args.batches), GENERATE_PROMPT_LENGTH, 1)));
        results.generate = args.dtypes.map((dtype) => {
          const task: ScaleTask = { task: 'generate', threads, dir: checkpointDir(args.dir, dtype), dtype, promptsPath, batches: args.batches, newTokens: NEW_TOKENS, padTokenId: PAD };
          return printGenerate(args.scale, dtype, copy, ts(task, `generate ${dtype}`), py(task, `generate ${dtype}`));
        });
      }
      if (args.parts.includes('rollout')) {
        const promptsPath = join(work, 'rollout-prompts.json');
        writeFileSync(promptsPath, JSON.stringify(randomPrompts(args.rolloutPrompts, ROLLOUT_PROMPT_LENGTH, 2)));
        results.rollout = args.dtypes.map((dtype) => {
          const task: ScaleTask = { task: 'rollout', threads, dir: checkpointDir(args.dir, dtype), dtype, promptsPath, groupSize: GROUP_SIZE, newTokens: NEW_TOKENS, padTokenId: PAD };
          return printRollout(dtype, args.rolloutPrompts, ts(task, `rollout ${dtype}`), py(task, `rollout ${dtype}`));
        });
      }
    }
    const modes = TRAIN_PARTS.filter((p) => args.parts.includes(p)) as TrainMode[];
    if (modes.length > 0) {
      writeTrainData(work, args.steps);
      const rows = [];
      for (const mode of modes) {
        for (const precision of args.dtypes) {
          for (const lora of args.lora) {
            const task: ScaleTask = { task: 'train', threads, mode, precision, lora, modelDir: checkpointDir(args.dir, 'fp32'), dataDir: work, tokenizerDir: TOKENIZER, steps: args.steps };
            const what = `${mode} ${precision}${lora === 'on' ? ' LoRA r16' : ''}`;
            rows.push({ mode, precision, lora, ours: ts(task, what), peer: py(task, what, withTrl && (lora === 'off' || withPeft)) });
          }
        }
      }
      results.train = printTrain(rows, args.steps);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  results.seconds = (Date.now() - started) / 1000;
  results.loadAverageEnd = loadavg();
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 1)}\n`);
  console.log(`\nratios: rlhf-ts / peer in speed (> 1 = rlhf-ts faster); RSS: peer / rlhf-ts (> 1 = rlhf-ts leaner).`);
  console.log(`whole run ${(results.seconds as number).toFixed(0)} s, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine slows both sides, unevenly); results: ${args.out}`);
}

type Runner = (task: ScaleTask, what: string) => Side;

/** fp32 -> fp32, bf16 -> bf16 and (the conversion while reading) the fp32 checkpoint -> bf16. */
function measureLoad(args: ScaleArgs, ts: Runner, py: (task: ScaleTask, what: string) => Side | null): unknown[] {
  const cases: { from: BenchDtype; to: BenchDtype }[] = [];
  for (const d of args.dtypes) cases.push({ from: d, to: d });
  if (args.dtypes.includes('bf16') && args.dtypes.includes('fp32')) cases.push({ from: 'fp32', to: 'bf16' });
  const rows = cases.map(({ from, to }) => {
    const task: ScaleTask = { task: 'load', threads: args.threads, dir: checkpointDir(args.dir, from), dtype: to };
    // Each side finds the checkpoint in the page cache (else whichever runs first reads the disk).
    warmPageCache(task.dir);
    const ours = ts(task, `load ${from} -> ${to}`);
    warmPageCache(task.dir);
    return { from, to, ours, peer: py(task, `load ${from} -> ${to}`) };
  });
  return printLoad(args.scale, rows);
}

/** Reads every safetensors file of dir once, so loads are timed from the page cache. */
function warmPageCache(dir: string): void {
  const buffer = Buffer.alloc(64 << 20);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.safetensors'))) {
    const fd = openSync(join(dir, name), 'r');
    try {
      while (readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}
