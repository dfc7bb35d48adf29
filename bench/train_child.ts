/**
 * One trainer of `npm run bench -- train`, in its own process so its peak RSS is its own:
 *
 *   node dist/bench/train_child.js <sft|reward|dpo> DATA.json THREADS   -> one JSON line
 *
 * It runs the real Trainer (AdamW, linear schedule, clipping at 1.0, metrics logged every step,
 * no evaluation, checkpoints only at the end because the Trainer always saves one there) and
 * times each step as the interval between two consecutive progress updates: that interval holds
 * the micro-batch selection, collation, forward, backward, clipping, AdamW, the algorithm's
 * `.item()` metrics and the metrics.jsonl / TensorBoard / training.log writes of one step. The
 * final save happens after the last update, so it is outside every interval.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TrainingConfig } from '../src/config/index.js';
import type { PreferenceExample, TokenizedExample } from '../src/data/index.js';
import { CausalLM, SequenceScoreModel } from '../src/models/index.js';
import { checkDevice, manualSeed, memory, setNumThreads, withDefaultDevice } from '../src/tensor/index.js';
import { Trainer, type Algorithm } from '../src/trainers/loop/index.js';
import { dpoAlgorithm } from '../src/trainers/dpo/index.js';
import { rewardAlgorithm } from '../src/trainers/reward/index.js';
import { sftAlgorithm } from '../src/trainers/sft/index.js';
import { native } from '../src/native/binding.js';
import { benchModelConfig } from './model.js';
import { TRAIN_BENCH_SHAPES, type TrainBenchData, type TrainBenchMode } from './train_data.js';

export interface TrainChildResult {
  mode: TrainBenchMode;
  /** Seconds of steps firstStep..N. */
  stepTimes: number[];
  /** 2: step 1 has no previous progress update to be measured from. */
  firstStep: number;
  /** Tokens the algorithm reported (attention-mask ones; DPO: policy rows only), all steps. */
  tokens: number;
  steps: number;
  /** process.resourceUsage().maxRSS, bytes. */
  maxRssBytes: number;
  /** Largest memory().numBytes seen right after a forward (activations still alive), bytes. */
  addonPeakBytes: number;
  numParameters: number;
}

const PAD = 3;
/** RLHF_BENCH_DEVICE / RLHF_BENCH_PRECISION: where and in what precision both sides train. */
const DEVICE = checkDevice(process.env.RLHF_BENCH_DEVICE ?? 'cpu', 'RLHF_BENCH_DEVICE');
const PRECISION = process.env.RLHF_BENCH_PRECISION ?? 'fp32';
/** RLHF_BENCH_PROFILE=DIR: libtorch's op profile of steps 3..N as a Chrome trace, DIR/rlhf-ts-<mode>.json. */
const PROFILE_DIR = process.env.RLHF_BENCH_PROFILE;
if (!['fp32', 'bf16', 'fp16'].includes(PRECISION)) throw new Error(`RLHF_BENCH_PRECISION: '${PRECISION}' is not fp32, bf16 or fp16`);

function profilePath(dir: string, mode: TrainBenchMode): string {
  mkdirSync(dir, { recursive: true });
  return join(dir, `rlhf-ts-${mode}.json`);
}

function sftExamples(data: TrainBenchData): TokenizedExample[] {
  return data.sft.map((ids) => ({ inputIds: ids, completionMask: ids.map(() => 1), labels: [...ids], promptLength: 0, truncated: false }));
}

function pairExamples(data: TrainBenchData): PreferenceExample[] {
  return data.pairs.map((p) => ({ promptIds: p.prompt, chosenIds: p.chosen, rejectedIds: p.rejected, truncated: false }));
}

/** The algorithm unchanged, plus a count of its tokens and a look at the addon's bytes after each forward. */
function observed<E>(inner: Algorithm<E>, seen: { tokens: number; peakBytes: number }): Algorithm<E> {
  return {
    ...inner,
    loss(examples) {
      const out = inner.loss(examples);
      seen.tokens += out.tokens ?? out.numTokens;
      seen.peakBytes = Math.max(seen.peakBytes, memory().numBytes);
      return out;
    },
  };
}

async function run<E>(mode: TrainBenchMode, algorithm: Algorithm<E>, train: E[], seed: number): Promise<TrainChildResult> {
  const { batch, steps } = TRAIN_BENCH_SHAPES[mode];
  const out = mkdtempSync(join(tmpdir(), `rlhf-bench-${mode}-`));
  const training = TrainingConfig.parse({
    output_dir: out,
    max_steps: steps,
    per_device_train_batch_size: batch,
    learning_rate: 1e-5,
    lr_scheduler_type: 'linear',
    max_grad_norm: 1.0,
    logging_steps: 1,
    save_steps: 1_000_000,
    seed,
    device: DEVICE,
    bf16: PRECISION === 'bf16',
    fp16: PRECISION === 'fp16',
  });
  const seen = { tokens: 0, peakBytes: 0 };
  const updates = new Map<number, bigint>();
  const progress = new Writable({
    write(chunk, _encoding, done) {
      const m = /^step (\d+)\//.exec(String(chunk));
      if (m) updates.set(Number(m[1]), process.hrtime.bigint());
      if (m && PROFILE_DIR && Number(m[1]) === 2) native.profileStart(profilePath(PROFILE_DIR, mode));
      done();
    },
  });
  try {
    const trainer = new Trainer(observed(algorithm, seen), { training, train, progress: { stream: progress, tty: false, plainIntervalMs: 0 } });
    if (trainer.plan.stepsPerEpoch < steps) throw new Error(`${mode}: ${train.length} examples give fewer than ${steps} steps per epoch`);
    await trainer.train();
  } finally {
    if (PROFILE_DIR) native.profileStop();
    rmSync(out, { recursive: true, force: true });
  }
  const stepTimes: number[] = [];
  for (let s = 2; s <= steps; s++) {
    const a = updates.get(s - 1);
    const b = updates.get(s);
    if (a === undefined || b === undefined) throw new Error(`${mode}: no progress update for step ${s - 1} or ${s}`);
    stepTimes.push(Number(b - a) / 1e9);
  }
  return {
    mode,
    stepTimes,
    firstStep: 2,
    tokens: seen.tokens,
    steps,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    addonPeakBytes: seen.peakBytes,
    numParameters: algorithm.model.numParameters(),
  };
}

async function main(): Promise<void> {
  const [mode, dataPath, threads] = process.argv.slice(2);
  if (mode !== 'sft' && mode !== 'reward' && mode !== 'dpo') throw new Error(`usage: train_child.js <sft|reward|dpo> DATA.json THREADS (got mode '${mode}')`);
  if (dataPath === undefined) throw new Error('train_child.js: missing DATA.json');
  setNumThreads(Number(threads ?? 2));
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as TrainBenchData;
  const config = benchModelConfig();
  manualSeed(data.seed);
  let result: TrainChildResult;
  switch (mode) {
    case 'sft':
      result = await run(mode, sftAlgorithm(CausalLM.fromConfig(config), PAD), sftExamples(data), data.seed);
      break;
    case 'reward':
      result = await run(mode, rewardAlgorithm(SequenceScoreModel.fromConfig(config), PAD), pairExamples(data), data.seed);
      break;
    case 'dpo': {
      const policy = CausalLM.fromConfig(config);
      manualSeed(data.seed); // the reference starts as the same weights, as TRL's copy of the policy
      const reference = CausalLM.fromConfig(config);
      result = await run(mode, dpoAlgorithm(policy, { reference, padTokenId: PAD, beta: 0.1, lossType: 'sigmoid' }), pairExamples(data), data.seed);
      break;
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
  console.log(JSON.stringify(result));
}

await withDefaultDevice(DEVICE, main);
