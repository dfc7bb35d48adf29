/**
 * The calculator task: a tool-use demo small enough to learn on a CPU. Sums `a+b` (numbers up
 * to 99), which a tiny model learns to answer directly, and products `a*b` (2 to 99), which it
 * does not; the `calculator` environment (src/environments/calculator.ts) answers a tool call
 * with the exact value. The SFT split mostly answers directly; a fraction `toolRate` of its
 * records are tool-call traces — the call, the tool's result, the answer — so the warm-started
 * model calls the tool now and then, and RL over episodes has something to reinforce.
 *
 * Records are conversations (the tiny model's chat template renders them); prompts and
 * evaluation records carry the exact answer as `reference`.
 *
 * ```ts
 * writeCalculatorTask('data/calculator', { seed: 0 });
 * // sft.jsonl      {"messages":[{"role":"user","content":"58*67="},{"role":"assistant","content":"3886"}]}
 * //                {"messages":[{"role":"user","content":"12*34="},{"role":"assistant","content":"<tool_call>\n{…}\n</tool_call>"},
 * //                             {"role":"tool","content":"408"},{"role":"assistant","content":"408"}]}
 * // prompts.jsonl  {"prompt":[{"role":"user","content":"42+17="}],"reference":"59"}
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatToolCall } from '../../environments/tool-calls.js';
import { seededRandom } from '../collate/sampler.js';
import { shuffled } from '../tools/random.js';

export interface CalculatorTaskOptions {
  /** SFT training records (default 4000). */
  sft?: number;
  /** SFT validation records (default 200). */
  sftVal?: number;
  /** Prompt records for online RL (default 1000). */
  prompts?: number;
  /** Evaluation records (default 200). */
  eval?: number;
  /** Share of SFT records written as tool-call traces (default 0.3). */
  toolRate?: number;
  seed?: number;
}

/** Every problem's expression: sums with operands 0..99, products with operands 2..99, in a fixed order. */
export function calculatorProblems(): string[] {
  const out: string[] = [];
  for (let a = 0; a <= 99; a++) for (let b = 0; b <= 99; b++) out.push(`${a}+${b}`);
  for (let a = 2; a <= 99; a++) for (let b = 2; b <= 99; b++) out.push(`${a}*${b}`);
  return out;
}

/** The exact answer of `a+b` or `a*b`, as text. */
export function solveCalculatorProblem(expression: string): string {
  const m = /^(\d+)([+*])(\d+)$/.exec(expression);
  if (m === null) throw new Error(`not a calculator-task expression (like '12*34'): ${JSON.stringify(expression)}`);
  const [a, b] = [Number(m[1]), Number(m[3])];
  return String(m[2] === '+' ? a + b : a * b);
}

type Message = { role: string; content: string };

/** The conversation of one SFT record: the direct answer, or the tool-call trace. */
export function calculatorConversation(expression: string, withTool: boolean): Message[] {
  const answer = solveCalculatorProblem(expression);
  const user = { role: 'user', content: `${expression}=` };
  if (!withTool) return [user, { role: 'assistant', content: answer }];
  return [user, { role: 'assistant', content: formatToolCall('calculator', { expression }) }, { role: 'tool', content: answer }, { role: 'assistant', content: answer }];
}

/** The four splits as records, without writing them; no two share a problem, and half of each split are products. */
export function calculatorTask(options: CalculatorTaskOptions = {}) {
  const { sft = 4000, sftVal = 200, prompts = 1000, eval: evalCount = 200, toolRate = 0.3, seed = 0 } = options;
  if (!(toolRate >= 0 && toolRate <= 1)) throw new RangeError(`toolRate must be in [0, 1], got ${toolRate}`);
  const counts = { eval: evalCount, prompts, sft_val: sftVal, sft };
  for (const [name, n] of Object.entries(counts)) if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a natural number, got ${n}`);
  const random = seededRandom(seed);
  const all = calculatorProblems();
  const sums = shuffled(all.filter((e) => e.includes('+')), random);
  const products = shuffled(all.filter((e) => e.includes('*')), random);
  const wanted = Object.values(counts).reduce((a, b) => a + b, 0);
  if (Math.ceil(wanted / 2) > products.length) throw new RangeError(`the splits ask for ${wanted} problems; at most ${2 * products.length} exist`);
  let next = 0;
  // Alternating sums and products, then shuffled within the split.
  const take = (n: number) => {
    const picked = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? sums : products)[next + Math.floor(i / 2)] as string);
    next += Math.ceil(n / 2);
    return shuffled(picked, random);
  };
  const withReference = (e: string) => ({ prompt: [{ role: 'user', content: `${e}=` }], reference: solveCalculatorProblem(e) });
  const taught = (e: string) => ({ messages: calculatorConversation(e, random() < toolRate) });
  return { eval: take(evalCount).map(withReference), prompts: take(prompts).map(withReference), sft_val: take(sftVal).map(taught), sft: take(sft).map(taught) };
}

type CalculatorSplit = keyof ReturnType<typeof calculatorTask>;

/** Writes sft.jsonl, sft_val.jsonl, prompts.jsonl and eval.jsonl into `dir`. */
export function writeCalculatorTask(dir: string, options: CalculatorTaskOptions = {}): Record<CalculatorSplit, { path: string; count: number }> {
  const sets = calculatorTask(options);
  mkdirSync(dir, { recursive: true });
  const out = {} as Record<CalculatorSplit, { path: string; count: number }>;
  for (const name of Object.keys(sets) as CalculatorSplit[]) {
    const rows: readonly object[] = sets[name];
    const path = join(dir, `${name}.jsonl`);
    writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : ''));
    out[name] = { path, count: rows.length };
  }
  return out;
}
