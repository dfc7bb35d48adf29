/**
 * Exact-match accuracy of a model on the arithmetic task, for before/after figures:
 *
 *   npm run build:ts && node dist/examples/arith-accuracy.js outputs/arith-sft [data/arithmetic/eval.jsonl]
 *
 * Prints the greedy accuracy, split into problems with and without a carry or borrow, how
 * many wrong answers are the sloppy teacher's dropped-carry answer, and the mean exact-match
 * reward when sampling at temperature 1 (what GRPO and PPO start from), over 4 samples per prompt.
 */
import { answerWithoutCarry, exactMatchAccuracy, loadCausalLm, loadDataset, needsCarry, parseArithmeticPrompt, Tokenizer } from 'rlhf-ts';

const [dir = 'outputs/arith-sft', file = 'data/arithmetic/eval.jsonl'] = process.argv.slice(2);
const model = loadCausalLm(dir);
const tokenizer = Tokenizer.fromPretrained(dir);
const { records } = await loadDataset(file, { format: 'prompt' });

const started = Date.now();
const greedy = exactMatchAccuracy(model, tokenizer, records, { maxNewTokens: 5 });
const seconds = (Date.now() - started) / 1000;
const carry = greedy.samples.filter((s) => needsCarry(parseArithmeticPrompt(s.prompt)));
const right = (xs: typeof greedy.samples) => xs.filter((s) => s.correct).length;
const sloppy = greedy.samples.filter((s) => !s.correct && s.completion.trim() === String(answerWithoutCarry(parseArithmeticPrompt(s.prompt)))).length;
const sampled = exactMatchAccuracy(model, tokenizer, records.flatMap((r) => [r, r, r, r]), {
  maxNewTokens: 5,
  generation: { doSample: true, temperature: 1, topK: 0, seed: 0 },
});

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`${dir} on ${file}`);
console.log(`  greedy exact match   ${greedy.correct}/${greedy.total} = ${pct(greedy.accuracy)} (${seconds.toFixed(1)} s)`);
console.log(`    with carry/borrow  ${right(carry)}/${carry.length}; without ${greedy.correct - right(carry)}/${greedy.total - carry.length}`);
console.log(`    wrong answers that drop the carry: ${sloppy} of ${greedy.total - greedy.correct}`);
console.log(`  sampled (T=1) reward ${pct(sampled.accuracy)} over ${sampled.total} samples`);
for (const s of greedy.samples.slice(0, 6)) console.log(`    ${s.prompt}${s.completion.trim()}  ${s.correct ? 'right' : `wrong, ${s.reference}`}`);
model.dispose();
