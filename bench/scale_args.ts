/**
 * What `npm run bench -- scale [PART...] [--scale 0.5b|1.5b|7b] [--out FILE.json]` runs, from its
 * arguments and RLHF_BENCH_* variables (arguments win). Pure, so the tests check it.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCALES, type BenchDtype, type Scale } from './scale_shapes.js';

export const SCALE_PARTS = ['memory', 'load', 'generate', 'rollout', 'sft', 'dpo', 'grpo'] as const;
export type ScalePart = (typeof SCALE_PARTS)[number];
export const TRAIN_PARTS: readonly ScalePart[] = ['sft', 'dpo', 'grpo'];
const DTYPES: readonly BenchDtype[] = ['fp32', 'bf16'];
const LORA_MODES = ['off', 'on'] as const;
export type LoraMode = (typeof LORA_MODES)[number];

export interface ScaleArgs {
  scale: Scale;
  parts: ScalePart[];
  /** Where the random-weight checkpoints are kept (reused when present). */
  dir: string;
  /** The results JSON. */
  out: string;
  threads: number;
  /** Checkpoint dtypes to load and decode in; training precisions (fp32, bf16 autocast over fp32 weights). */
  dtypes: BenchDtype[];
  lora: LoraMode[];
  batches: number[];
  /** Optimizer steps per training run: step 1 is warm-up, steps 2..N are timed. */
  steps: number;
  /** Distinct prompts of the GRPO rollout (each repeated groupSize times). */
  rolloutPrompts: number;
}

const list = (text: string | undefined): string[] => (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`bench scale: ${what} '${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

function positiveInt(what: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench scale: ${what} must be a positive integer, got '${text}'`);
  return n;
}

/** `argv`: the words after `scale`; `env`: process.env; `today`: YYYY-MM-DD for the default output name. */
export function parseScaleArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, today: string): ScaleArgs {
  let scaleText = env.RLHF_BENCH_SCALE ?? '0.5b';
  let out = env.RLHF_BENCH_OUT;
  const partWords: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--scale' || word === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`bench scale: ${word} needs a value`);
      if (word === '--scale') scaleText = value;
      else out = value;
    } else if (word.startsWith('--')) {
      throw new Error(`bench scale: unknown option '${word}' (options: --scale 0.5b|1.5b|7b|smoke, --out FILE.json)`);
    } else {
      partWords.push(word);
    }
  }
  const scale = oneOf('RLHF_BENCH_SCALE / --scale', scaleText.toLowerCase(), SCALES);
  const named = partWords.length > 0 ? partWords : list(env.RLHF_BENCH_PARTS);
  const parts = named.length > 0 ? named.map((p) => oneOf('part', p, SCALE_PARTS)) : [...SCALE_PARTS];
  const dtypes = list(env.RLHF_BENCH_DTYPES).map((d) => oneOf('RLHF_BENCH_DTYPES entry', d, DTYPES));
  const lora = list(env.RLHF_BENCH_LORA).map((m) => oneOf('RLHF_BENCH_LORA entry', m, LORA_MODES));
  const batches = list(env.RLHF_BENCH_BATCHES).map((b) => positiveInt('RLHF_BENCH_BATCHES entry', b, 1));
  const steps = positiveInt('RLHF_BENCH_STEPS', env.RLHF_BENCH_STEPS, 3);
  if (steps < 2) throw new Error(`bench scale: RLHF_BENCH_STEPS (${steps}) must be >= 2: step 1 is warm-up and is not timed`);
  return {
    scale,
    parts: [...new Set(parts)],
    dir: env.RLHF_BENCH_DIR ? join(env.RLHF_BENCH_DIR, scale) : join(tmpdir(), 'rlhf-bench', scale),
    out: out ?? join('bench-results', `scale-${scale}-${today}.json`),
    threads: positiveInt('RLHF_BENCH_THREADS', env.RLHF_BENCH_THREADS, 2),
    dtypes: dtypes.length > 0 ? [...new Set(dtypes)] : [...DTYPES],
    lora: lora.length > 0 ? [...new Set(lora)] : [...LORA_MODES],
    batches: batches.length > 0 ? batches : [1, 8, 32],
    steps,
    rolloutPrompts: positiveInt('RLHF_BENCH_ROLLOUT_PROMPTS', env.RLHF_BENCH_ROLLOUT_PROMPTS, 2),
  };
}
