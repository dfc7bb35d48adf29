/**
 * One measurement of `npm run bench -- scale`, in its own process so its peak RSS is its own:
 *
 *   node dist/bench/scale_child.js '<ScaleTask as JSON>'   -> one JSON line (ScaleChildResult)
 *
 * bench/scale_torch.py takes the same JSON and measures transformers / TRL on the same work.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RunConfig } from '../src/config/index.js';
import { generate, GENERATION_DEFAULTS, type GenerationConfig } from '../src/generation/index.js';
import { fromPretrained, type CausalLM } from '../src/models/index.js';
import { empty, noGrad, setNumThreads, tidy } from '../src/tensor/index.js';
import { runDpo, runGrpo, runSft, sampleRollout } from '../src/index.js';
import type { BenchDtype } from './scale_shapes.js';
import type { LoraMode } from './scale_args.js';
import { TRAIN_SHAPES, type TrainMode } from './scale_data.js';

export type ScaleTask =
  | { task: 'bandwidth'; threads: number; mib: number }
  | { task: 'load'; threads: number; dir: string; dtype: BenchDtype }
  | { task: 'generate'; threads: number; dir: string; dtype: BenchDtype; promptsPath: string; batches: number[]; newTokens: number; padTokenId: number }
  | { task: 'rollout'; threads: number; dir: string; dtype: BenchDtype; promptsPath: string; groupSize: number; newTokens: number; padTokenId: number }
  | { task: 'train'; threads: number; mode: TrainMode; precision: BenchDtype; lora: LoraMode; modelDir: string; dataDir: string; tokenizerDir: string; steps: number };

export interface GenerateFigures {
  batch: number;
  /** generate() of 1 new token: the prefill and one LM-head step. */
  secondsOne: number;
  /** generate() of newTokens new tokens (minNewTokens = maxNewTokens: no early EOS). */
  secondsN: number;
  /** Row 0's greedy tokens, to check both sides decode the same. */
  firstRow: number[];
}

export interface ScaleChildResult {
  /** process.resourceUsage().maxRSS (python: ru_maxrss), bytes. */
  maxRssBytes: number;
  /** RSS before the measured work (runtime and libraries loaded), bytes. */
  baseRssBytes: number;
  seconds?: number;
  /** bandwidth: bytes read + written per second by a large tensor copy. */
  copyBytesPerS?: number;
  generate?: GenerateFigures[];
  /** rollout: whether the group's prompt was prefilled once (prompt sharing). */
  promptSharing?: boolean;
  /** train: seconds of steps 2..N. */
  stepTimes?: number[];
  impl?: string;
}

const rssNow = () => process.memoryUsage.rss();
const maxRss = () => process.resourceUsage().maxRSS * 1024;
const torchDtype = (d: BenchDtype) => (d === 'fp32' ? 'float32' : 'bfloat16');

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, (performance.now() - t0) / 1000];
}

/** Best of 5 copies of an `mib` MiB float32 tensor, counting its bytes read and written. */
function bandwidth(mib: number): number {
  const n = (mib * 1024 * 1024) / 4;
  const src = empty([n]).fill_(1);
  const dst = empty([n]).fill_(0);
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, timed(() => dst.copy_(src))[1]);
  src.dispose();
  dst.dispose();
  return (2 * n * 4) / best;
}

function greedy(lm: CausalLM, prompts: number[][], n: number, padTokenId: number): number[][] {
  return tidy(() => noGrad(() => generate(lm, prompts, { maxNewTokens: n, minNewTokens: n, doSample: false, padTokenId }))).map((r) => r.tokenIds);
}

function measureGenerate(t: Extract<ScaleTask, { task: 'generate' }>): GenerateFigures[] {
  const lm = fromPretrained(t.dir, { dtype: torchDtype(t.dtype) });
  const all = JSON.parse(readFileSync(t.promptsPath, 'utf8')) as number[][];
  const out: GenerateFigures[] = [];
  greedy(lm, all.slice(0, 1), 2, t.padTokenId); // warm-up: first-call allocations and kernel choice
  for (const batch of t.batches) {
    const prompts = all.slice(0, batch);
    const [, secondsOne] = timed(() => greedy(lm, prompts, 1, t.padTokenId));
    const [tokens, secondsN] = timed(() => greedy(lm, prompts, t.newTokens, t.padTokenId));
    out.push({ batch, secondsOne, secondsN, firstRow: tokens[0] ?? [] });
  }
  lm.dispose();
  return out;
}

/**
 * THE switch for prompt sharing: when generate() knows `numReturnSequences` (the static-cache
 * generation work), each distinct prompt goes in once and is prefilled once for its group;
 * until then every copy of the prompt is prefilled, as sampleRollout does today.
 */
function groupRollout(lm: CausalLM, prompts: number[][], groupSize: number, config: Partial<GenerationConfig> & { padTokenId: number }): boolean {
  if ('numReturnSequences' in GENERATION_DEFAULTS) {
    tidy(() => noGrad(() => generate(lm, prompts, { ...config, numReturnSequences: groupSize } as Partial<GenerationConfig>)));
    return true;
  }
  const repeated = prompts.flatMap((p) => Array.from({ length: groupSize }, () => p));
  const rollout = sampleRollout(lm, repeated, config);
  for (const t of Object.values(rollout.batch)) if (typeof t === 'object') t.dispose();
  return false;
}

function measureRollout(t: Extract<ScaleTask, { task: 'rollout' }>): { seconds: number; sharing: boolean } {
  const lm = fromPretrained(t.dir, { dtype: torchDtype(t.dtype) });
  const prompts = JSON.parse(readFileSync(t.promptsPath, 'utf8')) as number[][];
  const config = { maxNewTokens: t.newTokens, minNewTokens: t.newTokens, doSample: true, temperature: 1, topK: 0, seed: 1, padTokenId: t.padTokenId };
  greedy(lm, prompts.slice(0, 1), 2, t.padTokenId); // warm-up
  const [sharing, seconds] = timed(() => groupRollout(lm, prompts, t.groupSize, config));
  lm.dispose();
  return { seconds, sharing };
}

function trainConfig(t: Extract<ScaleTask, { task: 'train' }>, outputDir: string): RunConfig {
  const shape = TRAIN_SHAPES[t.mode];
  const files = { sft: 'sft.jsonl', dpo: 'pairs.jsonl', grpo: 'prompts.jsonl' } as const;
  const kind = { sft: 'sft', dpo: 'preference', grpo: 'prompt' } as const;
  return RunConfig.parse({
    model: { name_or_path: t.modelDir, tokenizer_name_or_path: t.tokenizerDir, dtype: 'float32' },
    training: {
      algorithm: t.mode, output_dir: outputDir, max_steps: t.steps, per_device_train_batch_size: shape.rows, learning_rate: 1e-6,
      lr_scheduler_type: 'constant', max_grad_norm: 1.0, logging_steps: 1, save_steps: 1_000_000, seed: 0, bf16: t.precision === 'bf16',
    },
    data: { max_length: shape.maxLength, max_prompt_length: shape.maxPromptLength, datasets: { [kind[t.mode]]: { train_files: [{ path: join(t.dataDir, files[t.mode]) }] } } },
    lora: t.lora === 'on' ? { enabled: true, r: 16, alpha: 32, target_modules: 'all-linear' } : { enabled: false },
    dpo: { beta: 0.1, loss_type: 'sigmoid' },
    grpo: { group_size: shape.rows, beta: 0, loss_type: 'dapo', num_iterations: 1 },
    ...(t.mode === 'grpo' ? { generation: { max_new_tokens: shape.newTokens, temperature: 1, do_sample: true } } : {}),
    rewards: { functions: [{ name: 'length_penalty', target_length: 0, per_token: 0 }] }, // a constant reward of 0
  });
}

/** Seconds of steps 2..N: the intervals between consecutive "step k/N" progress lines (sft, dpo) or step callbacks (grpo). */
async function measureTrain(t: Extract<ScaleTask, { task: 'train' }>): Promise<number[]> {
  const out = mkdtempSync(join(tmpdir(), `rlhf-bench-scale-${t.mode}-`));
  const stamps = new Map<number, number>();
  const progress = new Writable({
    write(chunk, _encoding, done) {
      const m = /step (\d+)\//.exec(String(chunk));
      if (m && !stamps.has(Number(m[1]))) stamps.set(Number(m[1]), performance.now());
      done();
    },
  });
  const options = { progress: { stream: progress, tty: false, plainIntervalMs: 0 } };
  try {
    const config = trainConfig(t, out);
    if (t.mode === 'sft') await runSft(config, options);
    else if (t.mode === 'dpo') await runDpo(config, options);
    else {
      let step = 0;
      stamps.clear();
      await runGrpo(config, { ...options, onStep: () => { stamps.set(++step, performance.now()); } });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const times: number[] = [];
  for (let s = 2; s <= t.steps; s++) {
    const a = stamps.get(s - 1);
    const b = stamps.get(s);
    if (a === undefined || b === undefined) throw new Error(`scale ${t.mode}: no progress stamp for step ${s - 1} or ${s}`);
    times.push((b - a) / 1000);
  }
  return times;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as ScaleTask;
  setNumThreads(task.threads);
  const baseRssBytes = rssNow();
  const result: ScaleChildResult = { maxRssBytes: 0, baseRssBytes };
  switch (task.task) {
    case 'bandwidth':
      result.copyBytesPerS = bandwidth(task.mib);
      break;
    case 'load': {
      const [lm, seconds] = timed(() => fromPretrained(task.dir, { dtype: torchDtype(task.dtype) }));
      result.seconds = seconds;
      lm.dispose();
      break;
    }
    case 'generate':
      result.generate = measureGenerate(task);
      break;
    case 'rollout': {
      const { seconds, sharing } = measureRollout(task);
      result.seconds = seconds;
      result.promptSharing = sharing;
      break;
    }
    case 'train':
      result.stepTimes = await measureTrain(task);
      break;
    default: {
      const never: never = task;
      throw new Error(`scale_child: unknown task ${JSON.stringify(never)}`);
    }
  }
  result.maxRssBytes = maxRss();
  console.log(JSON.stringify(result));
}

await main();
