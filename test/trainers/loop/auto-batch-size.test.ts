/**
 * per_device_train_batch_size: auto: the probe runs the Trainer's own step on the longest
 * examples first, halves on out-of-memory (here a low training.max_memory), multiplies
 * gradient_accumulation_steps so the effective batch stays, leaves the weights as they were, and
 * the numbers it chose reach training.log and resolved_config.yaml; the run then trains.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { documentedYaml, loadConfig, parseConfig, RunConfig, TrainingConfig } from '../../../src/config/index.js';
import { trainWithConfig } from '../../../src/cli/train-command.js';
import { loadSftExamples, padIdOf, type TokenizedExample } from '../../../src/data/index.js';
import { loadCausalLm } from '../../../src/models/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { sftAlgorithm } from '../../../src/trainers/sft/trainer.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { batchSizeCandidates, longestIndices } from '../../../src/trainers/loop/auto-batch-size.js';
import { OutOfMemoryError } from '../../../src/trainers/loop/out-of-memory.js';
import { loggedLosses, TINY_QWEN2 } from '../../helpers/sft-run.js';

/** 12 SFT rows whose lengths are out of order, so the longest are not the first. */
const DATA = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'auto-bs-data-'));
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa'.split(' ');
  const lengths = [20, 70, 35, 90, 10, 55, 80, 25, 60, 40, 100, 15];
  writeFileSync(join(dir, 'sft.jsonl'), lengths.map((n, i) => JSON.stringify({ prompt: `Say ${i}.`, response: Array.from({ length: n }, (_, k) => words[(i + k) % 10]).join(' ') })).join('\n'));
  return join(dir, 'sft.jsonl');
})();

function config(training: Record<string, unknown>): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: TINY_QWEN2 },
    training: { algorithm: 'sft', output_dir: mkdtempSync(join(tmpdir(), 'auto-bs-out-')), learning_rate: 1e-3, max_steps: 2, save_steps: 100, seed: 1, ...training },
    data: { max_length: 256, max_prompt_length: 16, datasets: { sft: { train_files: [{ path: DATA }], validation_files: [{ path: DATA }] } } },
  });
}

test('candidates halve while the size splits evenly, then 1; the longest examples come first', () => {
  assert.deepEqual(batchSizeCandidates(8), [8, 4, 2, 1]);
  assert.deepEqual(batchSizeCandidates(12), [12, 6, 3, 1]);
  assert.deepEqual(batchSizeCandidates(1), [1]);
  const ex = (n: number) => ({ inputIds: new Array<number>(n).fill(1) });
  assert.deepEqual(longestIndices([ex(3), ex(9), ex(5), ex(9)], 3), [1, 3, 2]);
  assert.deepEqual(longestIndices([{ tensor: 'a' }, { tensor: 'b' }], 2), [0, 1], 'no token ids: data order');
});

test('the schema takes auto (and refuses it for grpo/ppo); the documented config says so', () => {
  const t = TrainingConfig.parse({ per_device_train_batch_size: 'auto', per_device_eval_batch_size: 'auto' });
  assert.equal(t.per_device_train_batch_size, 'auto');
  assert.equal(t.auto_batch_size_start, 8);
  assert.throws(() => TrainingConfig.parse({ per_device_train_batch_size: 'big' }));
  assert.throws(() => parseConfig('model: {name_or_path: m}\ntraining: {algorithm: grpo, per_device_train_batch_size: auto}\nrewards: {functions: [{name: length}]}\ndata: {dataset_path: x.jsonl}\n', { env: {} }), /per_device_train_batch_size auto is not supported by [a-z_/]*grpo/);
  assert.match(documentedYaml(), /per_device_train_batch_size: 8 {2}# a positive integer or auto/);
});

/** The tiny model, its tokenizer and the rows above, tokenized. */
async function setUp() {
  const c = config({});
  const tokenizer = Tokenizer.fromPretrained(TINY_QWEN2);
  const train = await loadSftExamples(c, tokenizer, 'train');
  return { model: loadCausalLm(TINY_QWEN2), train, padTokenId: padIdOf(tokenizer) };
}

test('the probe runs the longest examples first, halves past the cap, and leaves the weights and gradients as they were', async () => {
  const { model, train, padTokenId } = await setUp();
  const seen: number[][] = [];
  const inner = sftAlgorithm(model, padTokenId);
  const algorithm = { ...inner, loss: (examples: readonly TokenizedExample[]) => (seen.push(examples.map((e) => e.inputIds.length)), inner.loss(examples)) };
  const before = model.namedParameters().map(([k, p]) => [k, JSON.stringify(p.toArray())]);
  const training = (t: Record<string, unknown>) => config({ per_device_train_batch_size: 'auto', gradient_accumulation_steps: 2, ...t }).training;

  const free = new Trainer(algorithm, { training: training({}), train });
  const longest = train.map((e) => e.inputIds.length).sort((a, b) => b - a);
  assert.deepEqual(seen[0], longest.slice(0, 8), 'the first batch probed is the 8 longest rows, longest first');
  assert.equal(free.config.per_device_train_batch_size, 8);
  assert.equal(free.config.gradient_accumulation_steps, 2);
  const need8 = free.autoBatchSizes?.train?.tries[0]?.neededBytes as number;

  seen.length = 0;
  const at4 = new Trainer(algorithm, { training: training({ auto_batch_size_start: 4 }), train });
  const need4 = at4.autoBatchSizes?.train?.tries[0]?.neededBytes as number;
  assert.ok(need4 < need8 - 2 ** 20, `4 rows need ${need4} bytes, 8 rows ${need8}`);

  seen.length = 0;
  const cap = `${Math.round((need4 + need8) / 2 / 2 ** 20)}MiB`;
  const capped = new Trainer(algorithm, { training: training({ max_memory: cap }), train });
  assert.deepEqual(seen, [longest.slice(0, 8), longest.slice(0, 4)], 'tries 8, then 4, each on the longest rows');
  assert.equal(capped.config.per_device_train_batch_size, 4);
  assert.equal(capped.config.gradient_accumulation_steps, 4, 'effective batch 8 x 2 = 4 x 4');
  assert.equal(capped.plan.stepsPerEpoch, free.plan.stepsPerEpoch);
  assert.deepEqual(capped.microBatchesOf(1).flat(), free.microBatchesOf(1).flat(), 'each step sees the same examples');
  assert.match(capped.autoBatchSizes?.lines[0] ?? '', new RegExp(`^auto batch size: 8 ran out of memory \\(peak [\\d.]+ MiB \\+ [\\d.]+ MiB of AdamW state > max_memory ${cap.replace('MiB', '')}\\.0 MiB\\) on the 8 longest examples \\(${longest[0]} tokens\\); 4 fits on the 4 longest examples \\(${longest[0]} tokens; needs [\\d.]+ MiB of max_memory ${cap.replace('MiB', '')}\\.0 MiB\\): per_device_train_batch_size 4, gradient_accumulation_steps 2 -> 4 \\(effective batch 16 stays\\)$`));

  assert.deepEqual(model.namedParameters().map(([k, p]) => [k, JSON.stringify(p.toArray())]), before, 'no weight changed');
  assert.ok(model.trainableParameters().every((p) => p.grad === null), 'no gradient left');
  assert.throws(() => new Trainer(algorithm, { training: training({ max_memory: '1MiB' }), train }), (e: unknown) => e instanceof OutOfMemoryError && /^per_device_train_batch_size auto: not even 1 example fits: 8 ran out of memory .* 1 ran out of memory/.test(e.message));
});

test('a capped auto run logs its choice, saves it in resolved_config.yaml, and trains; evaluation auto too', async () => {
  const probe = config({ per_device_train_batch_size: 'auto', per_device_eval_batch_size: 'auto' });
  await trainWithConfig(probe);
  const log = readFileSync(join(probe.training.output_dir, 'training.log'), 'utf8');
  const m = /auto batch size: 8 fits on the 8 longest examples \(\d+ tokens; needs ([\d.]+) MiB of the probe's cap [\d.]+ [MG]iB \(75% of the [\d.]+ [MG]iB available, plus the tensors now\)\)/.exec(log);
  assert.ok(m !== null, log);
  assert.match(log, /auto eval batch size: 8 fits on the 8 longest validation examples \(\d+ tokens; .*\): per_device_eval_batch_size 8/);

  // Just under what 8 rows need: 4 fit, with twice the accumulation.
  const c = config({ per_device_train_batch_size: 'auto', max_memory: `${(Number(m[1]) - 0.5).toFixed(1)}MiB` });
  const result = await trainWithConfig(c);
  assert.equal(result.globalStep, 2);
  assert.match(readFileSync(join(c.training.output_dir, 'training.log'), 'utf8'), /auto batch size: 8 ran out of memory .*; 4 fits .*gradient_accumulation_steps 1 -> 2 \(effective batch 8 stays\)/);
  const [a, b] = [loggedLosses(probe.training.output_dir), loggedLosses(c.training.output_dir)];
  assert.equal(b.length, 2);
  b.forEach((loss, i) => assert.ok(Math.abs(loss - (a[i] as number)) < 1e-4, `4 x 2 trains as 8 x 1: step ${i + 1} loss ${loss} vs ${a[i]}`));
  const saved = loadConfig(join(c.training.output_dir, 'resolved_config.yaml'));
  assert.equal(saved.training.per_device_train_batch_size, 4);
  assert.equal(saved.training.gradient_accumulation_steps, 2);
  assert.equal(saved.training.per_device_eval_batch_size, 8);

  // Not even 1 fits: the out-of-memory advice, and a written config that keeps auto.
  const tiny = config({ per_device_train_batch_size: 'auto', max_memory: '1MiB' });
  const err = await trainWithConfig(tiny).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OutOfMemoryError, String(err));
  assert.match(err.message, /^per_device_train_batch_size auto: not even 1 example fits: .*To fit:\n {2}- training\.gradient_checkpointing: true/s);
  const optimized = loadConfig(join(tiny.training.output_dir, 'memory_optimized_config.yaml'));
  assert.equal(optimized.training.per_device_train_batch_size, 'auto');
  assert.equal(optimized.training.gradient_checkpointing, true);
});
