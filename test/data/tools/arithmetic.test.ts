/** The arithmetic task: exact answers, the sloppy teacher's carry errors, disjoint splits, seeds, the CLI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  allProblems,
  answerWithoutCarry,
  arithmeticTask,
  loadDataset,
  needsCarry,
  parseArithmeticPrompt,
  solveArithmetic,
  writeArithmeticTask,
  wrongAnswerOf,
  type ArithmeticProblem,
} from '../../../src/data/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';

const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** The answer recomputed from the prompt text alone, independently of the generator. */
function recompute(prompt: string): number {
  const m = /^(\d{1,2})([+-])(\d{1,2})=$/.exec(prompt);
  assert.ok(m, `malformed prompt ${JSON.stringify(prompt)}`);
  const [a, b] = [Number(m[1]), Number(m[3])];
  return m[2] === '+' ? a + b : a - b;
}

test('answers without carrying: the schoolroom mistakes, equal to the truth exactly when no carry or borrow is needed', () => {
  const p = (a: number, op: '+' | '-', b: number): ArithmeticProblem => ({ a, op, b });
  assert.equal(answerWithoutCarry(p(58, '+', 67)), 115);
  assert.equal(answerWithoutCarry(p(99, '+', 99)), 188);
  assert.equal(answerWithoutCarry(p(58, '+', 7)), 55);
  assert.equal(answerWithoutCarry(p(7, '+', 8)), 15); // a single column keeps its whole sum
  assert.equal(answerWithoutCarry(p(42, '-', 17)), 35);
  assert.equal(answerWithoutCarry(p(50, '-', 8)), 58);
  assert.equal(answerWithoutCarry(p(10, '-', 1)), 11);
  assert.equal(answerWithoutCarry(p(23, '+', 45)), 68);
  assert.equal(answerWithoutCarry(p(87, '-', 45)), 42);
  // Independently: addition carries when the units overflow and there is a tens column to carry
  // into; subtraction borrows when the units digit on top is the smaller one.
  let carries = 0;
  for (const q of allProblems(99)) {
    const carry = q.op === '+' ? Math.max(q.a, q.b) >= 10 && (q.a % 10) + (q.b % 10) >= 10 : q.a % 10 < q.b % 10;
    assert.equal(needsCarry(q), carry, `${q.a}${q.op}${q.b}`);
    if (carry) carries++;
  }
  assert.equal(allProblems(99).length, 100 * 100 + (100 * 101) / 2);
  assert.equal(carries, (45 * 100 - 45) + 45 * 45);
});

test('every record has the right answer (prompts and eval) or the right-or-sloppy one (sft), splits are disjoint, and text round-trips', () => {
  const task = arithmeticTask({ seed: 3 });
  assert.deepEqual([task.sft.length, task.sft_val.length, task.prompts.length, task.eval.length], [4000, 200, 1000, 200]);
  const tok = Tokenizer.fromPretrained('examples/models/arith-tiny');
  for (const r of [...task.prompts, ...task.eval]) {
    assert.equal(r.reference, String(recompute(r.prompt)), r.prompt);
    assert.equal(solveArithmetic(r.prompt), r.reference);
  }
  let carryProblems = 0;
  let sloppy = 0;
  for (const r of [...task.sft, ...task.sft_val]) {
    const truth = recompute(r.prompt);
    const p = parseArithmeticPrompt(r.prompt);
    assert.ok(p.op === '+' || p.a >= p.b, `negative answer for ${r.prompt}`);
    if (needsCarry(p)) carryProblems++;
    if (r.response === String(truth)) continue;
    assert.ok(needsCarry(p), `${r.prompt} has no carry but was answered ${r.response}`);
    assert.equal(r.response, String(answerWithoutCarry(p)), r.prompt);
    sloppy++;
  }
  // carryErrorRate 0.6 of the carry problems, within a few standard deviations.
  const rate = sloppy / carryProblems;
  assert.ok(Math.abs(rate - 0.6) < 0.04, `sloppy rate ${rate} of ${carryProblems} carry problems`);
  const prompts = [...task.sft, ...task.sft_val, ...task.prompts, ...task.eval].map((r) => r.prompt);
  assert.equal(new Set(prompts).size, prompts.length, 'a problem appears in two records');
  for (const text of [...prompts, ...task.sft.map((r) => r.response)]) assert.equal(tok.decode(tok.encode(text)), text);
  // A clean teacher answers everything right.
  const clean = arithmeticTask({ seed: 3, carryErrorRate: 0, sft: 500, prompts: 0, eval: 0, sftVal: 0 });
  for (const r of clean.sft) assert.equal(r.response, String(recompute(r.prompt)));
});

test('the same seed writes the same files; another seed other problems', async () => {
  const [a, b, c] = [mkdtempSync(join(tmpdir(), 'arith-')), mkdtempSync(join(tmpdir(), 'arith-')), mkdtempSync(join(tmpdir(), 'arith-'))];
  writeArithmeticTask(a, { seed: 5, sft: 300 });
  writeArithmeticTask(b, { seed: 5, sft: 300 });
  const written = writeArithmeticTask(c, { seed: 6, sft: 300 });
  for (const name of ['sft', 'sft_val', 'prompts', 'eval']) {
    const [x, y, z] = [a, b, c].map((d) => readFileSync(join(d, `${name}.jsonl`), 'utf8'));
    assert.equal(x, y, name);
    assert.notEqual(x, z, name);
  }
  assert.deepEqual(Object.fromEntries(Object.entries(written).map(([k, v]) => [k, v.count])), { sft: 300, sft_val: 200, prompts: 1000, eval: 200 });
  const { records } = await loadDataset(join(a, 'prompts.jsonl'), { format: 'prompt' });
  assert.equal(records.length, 1000);
  assert.equal(records[0]?.reference, String(recompute(records[0]?.prompt as string)));
  const sft = await loadDataset(join(a, 'sft.jsonl'), { format: 'sft' });
  assert.equal(sft.records.length, 300);
});

test('preference pairs: the true answer chosen, a plausible wrong one rejected, on problems of their own; the other splits unchanged', () => {
  const p = (a: number, op: '+' | '-', b: number): ArithmeticProblem => ({ a, op, b });
  // On a carry problem a first draw under 0.6 takes the dropped carry; a slip takes two draws:
  // the digit a too-long answer gets, then which slip.
  const draws = (...xs: number[]) => () => xs.shift() as number;
  assert.equal(wrongAnswerOf(p(58, '+', 67), draws(0.1)), 115);
  assert.equal(wrongAnswerOf(p(42, '-', 17), draws(0.5)), 35);
  // Slips of 12+7=19: [20, 18, 29, 9, 91 (swapped), 19d (a digit too many), 1 (one missing)].
  assert.equal(wrongAnswerOf(p(12, '+', 7), draws(0, 0)), 20);
  assert.equal(wrongAnswerOf(p(12, '+', 7), draws(0, 4 / 7)), 91);
  assert.equal(wrongAnswerOf(p(12, '+', 7), draws(0.35, 5 / 7)), 193);
  assert.equal(wrongAnswerOf(p(12, '+', 7), draws(0, 0.99)), 1);
  assert.equal(wrongAnswerOf(p(58, '+', 67), draws(0.7, 0, 0)), 126); // a carry problem's slip

  const plain = arithmeticTask({ seed: 3 });
  const task = arithmeticTask({ seed: 3, pairs: 3000, pairsVal: 200 });
  for (const name of ['sft', 'sft_val', 'prompts', 'eval'] as const) assert.deepEqual(task[name], plain[name], name);
  assert.deepEqual([plain.pairs.length, task.pairs.length, task.pairs_val.length], [0, 3000, 200]);
  let carry = 0;
  let dropped = 0;
  for (const r of [...task.pairs, ...task.pairs_val]) {
    const truth = recompute(r.prompt);
    assert.equal(r.chosen, String(truth), r.prompt);
    assert.match(r.rejected, /^\d+$/);
    assert.notEqual(r.rejected, r.chosen, r.prompt);
    const q = parseArithmeticPrompt(r.prompt);
    if (needsCarry(q)) {
      carry++;
      if (r.rejected === String(answerWithoutCarry(q))) dropped++;
    }
  }
  assert.ok(Math.abs(dropped / carry - 0.6) < 0.05, `dropped carry in ${dropped} of ${carry} carry pairs`);
  const prompts = [...task.sft, ...task.sft_val, ...task.prompts, ...task.eval, ...task.pairs, ...task.pairs_val].map((r) => r.prompt);
  assert.equal(new Set(prompts).size, prompts.length, 'a problem appears in two splits');
});

test('sizes beyond the problem space and bad options are refused with the numbers', () => {
  assert.throws(() => arithmeticTask({ maxOperand: 9, sft: 100 }), /ask for 1500 distinct problems \(eval 200 \+ prompts 1000 \+ sft_val 200 \+ sft 100\) but operands up to 9 give only 155/);
  assert.throws(() => arithmeticTask({ carryErrorRate: 1.5 }), /carryErrorRate must be in \[0, 1\], got 1.5/);
  assert.throws(() => parseArithmeticPrompt('1+2'), /not an arithmetic prompt/);
});

test('rlhf data sample --task arithmetic writes the six files; general-only flags are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arith-cli-'));
  const r = spawnSync(process.execPath, [cli, 'data', 'sample', '--task', 'arithmetic', '--out', dir, '--sft', '100', '--prompts', '20', '--eval', '10', '--seed', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /data sample: 100 sft records -> .*sft\.jsonl/);
  assert.match(r.stdout, /data sample: 20 prompts records -> .*prompts\.jsonl/);
  assert.match(r.stdout, /data sample: 2000 pairs records -> .*pairs\.jsonl/);
  assert.match(r.stdout, /data sample: 200 pairs_val records -> .*pairs_val\.jsonl/);
  assert.equal(readFileSync(join(dir, 'eval.jsonl'), 'utf8').trim().split('\n').length, 10);
  const bad = spawnSync(process.execPath, [cli, 'data', 'sample', '--task', 'arithmetic', '--preference', '3', '--out', dir], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--preference applies only to --task general/);
});
