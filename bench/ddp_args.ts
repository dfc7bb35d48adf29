/**
 * What `npm run bench -- ddp [allreduce|sft|overlap ...] [--sizes 1,4] [--iters N] [--warmup N]
 * [--steps N] [--buckets 25,4] [--out FILE.json]` runs, from its arguments and RLHF_BENCH_*
 * variables (arguments win). Pure, so the tests check it.
 */
import { join } from 'node:path';

export const DDP_PARTS = ['allreduce', 'sft', 'overlap'] as const;
export type DdpPart = (typeof DDP_PARTS)[number];

export interface DdpArgs {
  parts: DdpPart[];
  /** All-reduce sizes in MiB of float32. */
  sizesMiB: number[];
  /** All-reduce iterations per size: untimed warm-up, then timed (the median counts; more below 16 MiB, see itersFor). */
  warmup: number;
  iters: number;
  /** Optimizer steps of each SFT run and backward passes of the overlap run (the first ones are warm-up). */
  steps: number;
  /** GradientSync bucket caps (MiB) the overlap part measures; 25 is the trainer's default. */
  bucketsMb: number[];
  /** The results JSON. */
  out: string;
}

const list = (text: string | undefined): string[] => (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function positive(what: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`bench ddp: ${what} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  return n;
}

const FLAGS = ['--sizes', '--iters', '--warmup', '--steps', '--buckets', '--out'] as const;
type Flag = (typeof FLAGS)[number];

/** `argv`: the words after `ddp`; `env`: process.env; `today`: YYYY-MM-DD for the default output name. */
export function parseDdpArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, today: string): DdpArgs {
  const given: Partial<Record<Flag, string>> = {};
  const partWords: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if ((FLAGS as readonly string[]).includes(word)) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`bench ddp: ${word} needs a value`);
      given[word as Flag] = value;
    } else if (word.startsWith('--')) {
      throw new Error(`bench ddp: unknown option '${word}' (options: ${FLAGS.join(', ')})`);
    } else {
      partWords.push(word);
    }
  }
  const named = partWords.length > 0 ? partWords : list(env.RLHF_BENCH_PARTS);
  for (const p of named) if (!(DDP_PARTS as readonly string[]).includes(p)) throw new Error(`bench ddp: part '${p}' is not one of ${DDP_PARTS.join(', ')}`);
  const sizes = list(given['--sizes'] ?? env.RLHF_BENCH_SIZES).map((s) => positive('a size (MiB)', s, false));
  const buckets = list(given['--buckets'] ?? env.RLHF_BENCH_BUCKETS).map((s) => positive('a bucket cap (MiB)', s, false));
  const int = (flag: Flag, name: string, fallback: number) => {
    const text = given[flag] ?? env[name];
    return text === undefined || text === '' ? fallback : positive(`${flag} / ${name}`, text, true);
  };
  const steps = int('--steps', 'RLHF_BENCH_STEPS', 20);
  if (steps < 3) throw new Error(`bench ddp: --steps / RLHF_BENCH_STEPS (${steps}) must be >= 3: the first steps are warm-up and are not timed`);
  return {
    parts: named.length > 0 ? [...new Set(named as DdpPart[])] : [...DDP_PARTS],
    sizesMiB: sizes.length > 0 ? sizes : [1, 4, 16, 64, 256],
    warmup: int('--warmup', 'RLHF_BENCH_WARMUP', 3),
    iters: int('--iters', 'RLHF_BENCH_ITERS', 10),
    steps,
    bucketsMb: buckets.length > 0 ? buckets : [25, 4],
    out: given['--out'] ?? env.RLHF_BENCH_OUT ?? join('bench-results', `ddp-${today}.json`),
  };
}
