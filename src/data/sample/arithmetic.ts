/**
 * A small verifiable task for "a run that learns": addition and subtraction of numbers up to
 * two digits, written as raw text (`58+67=` -> `125`), each with an exact answer.
 *
 * The SFT split is taught by a sloppy teacher: on problems that need a carry (addition) or a
 * borrow (subtraction), a fraction `carryErrorRate` of its answers drops it, the classic
 * schoolroom mistake (`58+67=` -> `115`, `42-17=` -> `35`). A model fine-tuned on it imitates
 * the mistake and gets the carry problems mostly wrong, while the prompt and evaluation splits
 * hold the true answers as `reference`, so an exact-match reward has something to fix.
 *
 * Preference pairs for a reward model (`pairs`, `pairs_val`, none by default) hold the true
 * answer as `chosen` and a plausible wrong one as `rejected`: mostly the dropped carry on
 * problems that need one, else a slip such as ±1, ±10 or a digit too many (`wrongAnswerOf`).
 *
 * Problems are drawn without replacement, so no two splits share one; the same seed writes
 * the same files.
 *
 * ```ts
 * writeArithmeticTask('data/arithmetic', { seed: 0 });
 * // sft.jsonl      {"prompt":"58+67=","response":"115"}     (sloppy teacher)
 * // prompts.jsonl  {"prompt":"42-17=","reference":"25"}     (true answers)
 * writeArithmeticTask('data/arithmetic', { pairs: 2000, pairsVal: 200 });
 * // pairs.jsonl    {"prompt":"36+48=","chosen":"84","rejected":"74"}
 * solveArithmetic('58+67=');                                 // '125'
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../collate/sampler.js';
import { shuffled } from '../tools/random.js';

export type ArithmeticOp = '+' | '-';

/** One problem: `a op b`, with `a >= b` for subtraction so every answer is a natural number. */
export interface ArithmeticProblem {
  a: number;
  op: ArithmeticOp;
  b: number;
}

export interface ArithmeticTaskOptions {
  /** SFT training records (default 4000). */
  sft?: number;
  /** SFT validation records (default 200). */
  sftVal?: number;
  /** Prompt records for online RL (default 1000). */
  prompts?: number;
  /** Evaluation records (default 200). */
  eval?: number;
  /** Largest operand (default 99: one- and two-digit numbers). */
  maxOperand?: number;
  /**
   * Fraction of the SFT (and sft_val) problems needing a carry or borrow whose answer drops it
   * (default 0.6). Above 0.5 the teacher's most likely answer to such a problem is the wrong
   * one, so a model that imitates it well still answers them wrongly when decoding greedily.
   */
  carryErrorRate?: number;
  /** Preference pairs (true answer chosen, a plausible wrong one rejected) for reward-model training (default 0). */
  pairs?: number;
  /** Preference pairs on other problems, for the reward model's pair accuracy (default 0). */
  pairsVal?: number;
  seed?: number;
}

/** The files writeArithmeticTask writes, `<name>.jsonl` each (the pair splits only when asked for). */
export const ARITHMETIC_FILES = ['sft', 'sft_val', 'prompts', 'eval', 'pairs', 'pairs_val'] as const;

/** The files written, with their record counts. */
export type WrittenFiles = Record<'sft' | 'sft_val' | 'prompts' | 'eval', { path: string; count: number }> &
  Partial<Record<'pairs' | 'pairs_val', { path: string; count: number }>>;

/** The text a problem is asked as: `58+67=`. */
export function promptOf(p: ArithmeticProblem): string {
  return `${p.a}${p.op}${p.b}=`;
}

/** The exact answer. */
export function answerOf(p: ArithmeticProblem): number {
  return p.op === '+' ? p.a + p.b : p.a - p.b;
}

/** Parses `58+67=` back into a problem; throws on anything else. */
export function parseArithmeticPrompt(prompt: string): ArithmeticProblem {
  const m = /^(\d+)([+-])(\d+)=$/.exec(prompt);
  if (m === null) throw new Error(`not an arithmetic prompt (expected like '58+67='): ${JSON.stringify(prompt)}`);
  return { a: Number(m[1]), op: m[2] as ArithmeticOp, b: Number(m[3]) };
}

/** The exact answer to a prompt such as `58+67=`, as text: what an exact-match reward compares with. */
export function solveArithmetic(prompt: string): string {
  return String(answerOf(parseArithmeticPrompt(prompt)));
}

/** Digits of n, least significant first, padded with zeros to `width`. */
function digits(n: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => Math.floor(n / 10 ** i) % 10);
}

/**
 * The answer worked column by column without carrying or borrowing: each addition column
 * keeps only its last digit (the top column keeps its whole sum); each subtraction column takes
 * the smaller digit from the larger. Equal to the true answer exactly when no carry or borrow
 * is needed. `58+67` -> 115, `42-17` -> 35, `50-8` -> 58.
 */
export function answerWithoutCarry(p: ArithmeticProblem): number {
  const width = String(Math.max(p.a, p.b)).length;
  const [da, db] = [digits(p.a, width), digits(p.b, width)];
  let out = 0;
  for (let i = 0; i < width; i++) {
    const [x, y] = [da[i] as number, db[i] as number];
    const column = p.op === '+' ? (i === width - 1 ? x + y : (x + y) % 10) : Math.abs(x - y);
    out += column * 10 ** i;
  }
  return out;
}

/** True when the problem needs a carry or borrow between columns. */
export function needsCarry(p: ArithmeticProblem): boolean {
  return answerWithoutCarry(p) !== answerOf(p);
}

/** Share of the rejected answers to carry problems that are the dropped carry; the rest are slips. */
const DROPPED_CARRY_SHARE = 0.6;

/**
 * A wrong answer a pupil could plausibly write, drawn with `random`: on a problem that needs a
 * carry or borrow, mostly (60%) the sloppy teacher's dropped carry, the mistake an SFT model
 * learns from it; otherwise a slip: ±1 or ±10, the last two digits swapped, a digit too many or
 * one missing. The length slips teach a reward model that `1147` is no better answer to
 * `56+58=` than `114`, the first hack PPO finds without them. Never the true answer, never negative.
 */
export function wrongAnswerOf(p: ArithmeticProblem, random: () => number): number {
  const answer = answerOf(p);
  if (needsCarry(p) && random() < DROPPED_CARRY_SHARE) return answerWithoutCarry(p);
  const text = String(answer);
  const swapped = text.length >= 2 ? Number(text.slice(0, -2) + text.slice(-1) + text.slice(-2, -1)) : answer;
  const extraDigit = answer * 10 + Math.floor(random() * 10);
  const missingDigit = text.length >= 2 ? Math.floor(answer / 10) : answer;
  const slips = [answer + 1, answer - 1, answer + 10, answer - 10, swapped, extraDigit, missingDigit].filter((x) => x >= 0 && x !== answer);
  return slips[Math.floor(random() * slips.length)] as number;
}

/** Every problem with operands in 0..maxOperand, in a fixed order. */
export function allProblems(maxOperand: number): ArithmeticProblem[] {
  const out: ArithmeticProblem[] = [];
  for (let a = 0; a <= maxOperand; a++) {
    for (let b = 0; b <= maxOperand; b++) {
      out.push({ a, op: '+', b });
      if (a >= b) out.push({ a, op: '-', b });
    }
  }
  return out;
}

/** The four splits as records, without writing them. */
export function arithmeticTask(options: ArithmeticTaskOptions = {}) {
  const { sft = 4000, sftVal = 200, prompts = 1000, eval: evalCount = 200, maxOperand = 99, carryErrorRate = 0.6, pairs = 0, pairsVal = 0, seed = 0 } = options;
  if (!Number.isInteger(maxOperand) || maxOperand < 1) throw new RangeError(`maxOperand must be an integer >= 1, got ${maxOperand}`);
  if (!(carryErrorRate >= 0 && carryErrorRate <= 1)) throw new RangeError(`carryErrorRate must be in [0, 1], got ${carryErrorRate}`);
  const counts = { eval: evalCount, prompts, sft_val: sftVal, sft, pairs, pairs_val: pairsVal };
  for (const [name, n] of Object.entries(counts)) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a natural number, got ${n}`);
  }
  const random = seededRandom(seed);
  const pool = shuffled(allProblems(maxOperand), random);
  const wanted = Object.values(counts).reduce((a, b) => a + b, 0);
  if (wanted > pool.length) {
    const parts = Object.entries(counts).filter(([name, n]) => n > 0 || !name.startsWith('pairs')).map(([name, n]) => `${name} ${n}`);
    throw new RangeError(`the splits ask for ${wanted} distinct problems (${parts.join(' + ')}) but operands up to ${maxOperand} give only ${pool.length}`);
  }
  let next = 0;
  const take = (n: number) => pool.slice(next, (next += n));
  const withReference = (p: ArithmeticProblem) => ({ prompt: promptOf(p), reference: String(answerOf(p)) });
  const taught = (p: ArithmeticProblem) => {
    const sloppy = needsCarry(p) && random() < carryErrorRate;
    return { prompt: promptOf(p), response: String(sloppy ? answerWithoutCarry(p) : answerOf(p)) };
  };
  const pair = (p: ArithmeticProblem) => ({ prompt: promptOf(p), chosen: String(answerOf(p)), rejected: String(wrongAnswerOf(p, random)) });
  // Taken after the other splits, so asking for pairs leaves those splits as they were.
  return {
    eval: take(evalCount).map(withReference),
    prompts: take(prompts).map(withReference),
    sft_val: take(sftVal).map(taught),
    sft: take(sft).map(taught),
    pairs: take(pairs).map(pair),
    pairs_val: take(pairsVal).map(pair),
  };
}

/** Writes sft.jsonl, sft_val.jsonl, prompts.jsonl and eval.jsonl into `dir`, and pairs.jsonl, pairs_val.jsonl when asked for. */
export function writeArithmeticTask(dir: string, options: ArithmeticTaskOptions = {}): WrittenFiles {
  const sets = arithmeticTask(options);
  mkdirSync(dir, { recursive: true });
  const out = {} as WrittenFiles;
  for (const name of ARITHMETIC_FILES) {
    const rows: readonly object[] = sets[name];
    if (name.startsWith('pairs') && rows.length === 0) continue;
    const path = join(dir, `${name}.jsonl`);
    writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
    out[name] = { path, count: rows.length };
  }
  return out;
}
