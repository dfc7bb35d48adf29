import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { runEval } from '../../src/cli/eval-command.js';
import { ConfigError, loadConfig, RunConfig, type RunConfigInput } from '../../src/config/index.js';
import { collateCompletions, loadDataset, padIdOf, tokenizeOptions, tokenizePreference, tokenizeSft, tokenizeTeacherStudent, writeSampleData } from '../../src/data/index.js';
import { comparisonTable, corpusBleu, corpusRougeL, distinctN, evaluateCheckpoints, evaluateModel, tokenizeCjkAware, tokenizeZh } from '../../src/eval/index.js';
import { generate } from '../../src/generation/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { loadCausalLm, savePretrained, SequenceScoreModel } from '../../src/models/index.js';
import { readMetrics } from '../../src/monitor/index.js';
import { manualSeed, noGrad, tidy } from '../../src/tensor/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';
import { dpoAlgorithm } from '../../src/trainers/dpo/index.js';
import { sftLossSum } from '../../src/rl/index.js';
import { compareTeacherStudent, scorePairs } from '../../src/scoring/index.js';
import { runSft } from '../../src/trainers/sft/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const RM = 'test/fixtures/models/tiny-qwen2-rm';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const DATA = mkdtempSync(join(tmpdir(), 'eval-data-'));
writeSampleData(DATA);
const file = (name: string) => join(DATA, name);

/** A config over the sample data; `evaluation` and the rest are merged in. */
function config(input: Partial<RunConfigInput> & { evaluation?: RunConfigInput['evaluation'] }): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    data: { max_length: 128, max_prompt_length: 64, datasets: { sft: { train_files: [{ path: file('sft.jsonl') }] } } },
    ...input,
    training: { output_dir: mkdtempSync(join(tmpdir(), 'eval-out-')), seed: 5, ...input.training },
  });
}

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('perplexity equals exp of the mean token loss from sftLossSum, example by example, on the same file', async () => {
  const c = config({ evaluation: { eval_file: file('sft_val.jsonl'), tasks: ['perplexity'] } });
  const result = await evaluateModel(c, MODEL);
  const tok = Tokenizer.fromPretrained(MODEL);
  const lm = loadCausalLm(MODEL).eval();
  let lossSum = 0;
  let tokens = 0;
  for (const r of (await loadDataset(file('sft_val.jsonl'), { format: 'sft' })).records) {
    const ex = tokenizeSft(tok, r, tokenizeOptions(c, tok));
    tidy(() => noGrad(() => {
      const batch = collateCompletions([ex], { padTokenId: padIdOf(tok) });
      const { loss, numTokens } = sftLossSum(lm.forward({ inputIds: batch.inputIds }).logits, batch.labels);
      lossSum += loss.item();
      tokens += numTokens;
    }));
  }
  lm.dispose();
  assert.equal(result.metrics['perplexity/tokens'], tokens);
  close(result.metrics['perplexity/loss']!, lossSum / tokens, 1e-5, 'mean token loss');
  close(result.metrics['perplexity/perplexity']!, Math.exp(lossSum / tokens), 1e-5, 'perplexity');
  assert.ok(result.metrics['perplexity/perplexity']! > 1);
});

test('preference accuracy and margin of a reward model equal scorePairs on the fixture RM', async () => {
  const c = config({ training: { algorithm: 'reward' }, evaluation: { model_path: RM, eval_file: file('preference.jsonl') } });
  const result = await evaluateModel(c, RM);
  const { records } = await loadDataset(file('preference.jsonl'), { format: 'preference' });
  const rm = SequenceScoreModel.fromPretrained(RM);
  const want = scorePairs(rm, Tokenizer.fromPretrained(MODEL), records, { batchSize: 8, maxLength: 128, maxPromptLength: 64 });
  rm.dispose();
  assert.equal(result.metrics['preference/count'], records.length);
  assert.equal(result.metrics['preference/accuracy'], want.accuracy);
  close(result.metrics['preference/margin']!, want.margin, 1e-6, 'margin');
  assert.ok(want.accuracy > 0 && want.accuracy < 1, `a real spread of right and wrong pairs (${want.accuracy})`);
});

test('DPO preference accuracy and margin equal the DPO loss\'s rewards/accuracies and rewards/margins against the reference', async () => {
  const policyDir = mkdtempSync(join(tmpdir(), 'eval-policy-'));
  const policy = loadCausalLm(MODEL);
  noGrad(() => policy.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  savePretrained(policy, policyDir);
  const c = config({ training: { algorithm: 'dpo' }, dpo: { beta: 0.5 }, evaluation: { eval_file: file('preference.jsonl'), tasks: ['preference'], max_examples: 12 } });
  const result = await evaluateModel(c, policyDir);
  const tok = Tokenizer.fromPretrained(MODEL);
  const records = (await loadDataset(file('preference.jsonl'), { format: 'preference' })).records.slice(0, 12);
  const examples = records.map((r) => tokenizePreference(tok, r, tokenizeOptions(c, tok)));
  const reference = loadCausalLm(MODEL);
  policy.eval();
  const out = tidy(() => noGrad(() => dpoAlgorithm(policy, { reference, padTokenId: padIdOf(tok), beta: 0.5 }).loss(examples)));
  assert.equal(result.metrics['preference/accuracy'], out.metrics!['rewards/accuracies']! / 12);
  close(result.metrics['preference/margin']!, out.metrics!['rewards/margins']! / 12, 1e-4, 'margin');
  close(result.metrics['preference/chosen']!, out.metrics!['rewards/chosen']! / 12, 1e-4, 'chosen reward');
  // The starting policy is its own reference: every implicit reward is 0, so no pair is ranked right.
  const start = await evaluateModel(c, MODEL);
  assert.deepEqual([start.metrics['preference/accuracy'], start.metrics['preference/margin']], [0, 0]);
  policy.dispose();
  reference.dispose();
});

test('rlhf eval: BLEU, ROUGE-L and distinct-n in eval_results.json equal src/eval on the written generations, which greedy generate() reproduces', async () => {
  const out = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  const cfg = join(out, 'eval.yaml');
  writeFileSync(cfg, stringify({
    model: { name_or_path: MODEL },
    training: { algorithm: 'sft', output_dir: join(out, 'run') },
    data: { max_length: 128, max_prompt_length: 64, datasets: { sft: { train_files: [{ path: file('sft.jsonl') }], validation_files: [{ path: file('sft_val.jsonl') }] } } },
    evaluation: { max_new_tokens: 24, num_samples: 3, batch_size: 4 },
  }));
  const logs: string[] = [];
  const log = console.log;
  console.log = (line: string) => logs.push(line);
  try {
    assert.equal(await runEval(['--config', cfg, '--out', join(out, 'eval')]), 0);
  } finally {
    console.log = log;
  }
  const results = JSON.parse(readFileSync(join(out, 'eval', 'eval_results.json'), 'utf8'));
  assert.deepEqual(results.tasks, ['generation', 'perplexity']);
  assert.equal(results.settings.bleu_tokenizer, 'zh', 'the sample references are partly Chinese: auto picks zh');
  const [model] = results.models;
  const rows = readFileSync(join(out, 'eval', model.generations_file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; reference: string; output: string });
  assert.equal(rows.length, 20);
  const hyps = rows.map((r) => r.output);
  const refs = rows.map((r) => r.reference);
  assert.equal(model.metrics['generation/bleu'], corpusBleu(hyps, [refs], { tokenize: 'zh' }).score);
  assert.equal(model.metrics['generation/rouge_l_f1'], corpusRougeL(refs, hyps, { tokenize: tokenizeCjkAware }).f1);
  const zh = (t: string) => tokenizeZh(t).split(' ').filter((x) => x !== '');
  assert.equal(model.metrics['generation/distinct_1'], distinctN(hyps, 1, { tokenize: zh }));
  assert.equal(model.metrics['generation/distinct_2'], distinctN(hyps, 2, { tokenize: zh }));
  // The first completions again, one prompt at a time, greedy (batching and left padding change nothing).
  const tok = Tokenizer.fromPretrained(MODEL);
  const lm = loadCausalLm(MODEL);
  const eos = tok.eosTokenId ?? undefined;
  for (const r of rows.slice(0, 3)) {
    const ids = tok.encode(r.prompt).slice(-64); // plain-text prompts stay plain text (data.chat_template auto); data.max_prompt_length keeps the end
    const [g] = noGrad(() => generate(lm, [ids], { maxNewTokens: 24, doSample: false, padTokenId: padIdOf(tok), ...(eos === undefined ? {} : { eosTokenId: eos }) }));
    assert.equal(tok.decode(g!.tokenIds, { skipSpecialTokens: true }).trim(), r.output);
  }
  lm.dispose();
  const report = readFileSync(join(out, 'eval', 'eval_report.md'), 'utf8');
  assert.match(report, /\| generation\/bleu \| \d+\.\d{4} \|/);
  assert.equal(report.match(/^### \d+$/gm)?.length, 3, 'num_samples sample generations');
  assert.ok(report.includes(rows[0]!.reference) && report.includes(rows[0]!.output));
  assert.ok(logs.some((l) => /generation\/bleu/.test(l)));
});

test('generation on English references scores with 13a and rouge-score tokens', async () => {
  const c = config({ evaluation: { eval_file: file('eval.jsonl'), tasks: ['generation'], max_new_tokens: 8, max_examples: 6 } });
  const results = await evaluateCheckpoints(c);
  assert.equal(results.settings.bleuTokenizer, '13a');
  const rows = results.models[0]!.generations;
  assert.equal(rows.length, 6);
  const hyps = rows.map((r) => r.output);
  const refs = rows.map((r) => r.reference as string);
  assert.equal(results.models[0]!.metrics['generation/bleu'], corpusBleu(hyps, [refs]).score);
  assert.equal(results.models[0]!.metrics['generation/rouge_l_f1'], corpusRougeL(refs, hyps).f1);
  assert.equal(results.models[0]!.metrics['generation/distinct_1'], distinctN(hyps, 1));
});

test('checkpoints all: two checkpoints of a 4-step SFT run give one comparison table with steps 2 and 4', async () => {
  const c = config({
    training: { max_steps: 4, save_steps: 2, eval_steps: 100, per_device_train_batch_size: 2, learning_rate: 1e-3, logging_steps: 1 },
    data: { max_length: 128, max_prompt_length: 64, datasets: { sft: { train_files: [{ path: file('sft.jsonl') }], validation_files: [{ path: file('sft_val.jsonl') }] } } },
    evaluation: { checkpoints: 'all', tasks: ['perplexity', 'generation'], max_new_tokens: 8, max_examples: 20 },
  });
  await runSft(c, { progress: sink });
  const out = c.training.output_dir;
  mkdirSync(join(out, 'checkpoint-6')); // a save that never finished: left out
  const notes: string[] = [];
  const results = await evaluateCheckpoints(c, { log: (l) => notes.push(l) });
  assert.deepEqual(results.models.map((m) => [m.name, m.step]), [['checkpoint-2', 2], ['checkpoint-4', 4]], 'the final model is checkpoint-4 again, so it is not repeated');
  assert.ok(notes.some((n) => /checkpoint-6 left out: missing trainer_state\.json/.test(n)), notes.join('\n'));
  const table = comparisonTable(results);
  assert.deepEqual(table.columns.map((col) => col.step), [2, 4]);
  const ppl = table.rows.find((r) => r.metric === 'perplexity/perplexity')!.values as number[];
  assert.ok(ppl.every((v) => Number.isFinite(v)) && ppl[1]! < ppl[0]!, `perplexity falls as training goes on: ${ppl}`);
  // The trainer evaluated the same file at step 4 with the same loss.
  const trained = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['eval/perplexity'] !== undefined).at(-1)!;
  assert.equal(trained['step'], 4);
  close(ppl[1]!, trained['eval/perplexity'] as number, 1e-5, 'step-4 perplexity vs the trainer\'s eval/perplexity');
  const { writeEvalOutputs } = await import('../../src/eval/index.js');
  const written = writeEvalOutputs(results, join(out, 'eval'));
  const report = readFileSync(written.report, 'utf8');
  assert.match(report, /\| metric \| checkpoint-2 \| checkpoint-4 \| change \|/);
  const json = JSON.parse(readFileSync(written.results, 'utf8'));
  assert.deepEqual(json.comparison.columns, [{ name: 'checkpoint-2', step: 2 }, { name: 'checkpoint-4', step: 4 }]);
  assert.deepEqual(json.comparison.metrics['perplexity/perplexity'], ppl);
  assert.ok(existsSync(join(out, 'eval', 'generations', 'checkpoint-2.jsonl')));
});

test('a LoRA run: its adapter checkpoints are evaluated on model.name_or_path, the final perplexity equal to the trainer\'s', async () => {
  const c = config({
    training: { max_steps: 4, save_steps: 2, eval_steps: 100, per_device_train_batch_size: 2, learning_rate: 1e-3 },
    lora: { enabled: true, r: 4 },
    data: { max_length: 128, max_prompt_length: 64, datasets: { sft: { train_files: [{ path: file('sft.jsonl') }], validation_files: [{ path: file('sft_val.jsonl') }] } } },
    evaluation: { checkpoints: 'all', tasks: ['perplexity'] },
  });
  await runSft(c, { progress: sink });
  const out = c.training.output_dir;
  assert.ok(existsSync(join(out, 'checkpoint-2', 'adapter_config.json')) && !existsSync(join(out, 'checkpoint-2', 'config.json')));
  const results = await evaluateCheckpoints(c);
  assert.deepEqual(results.models.map((m) => m.step), [2, 4]);
  const trained = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['eval/perplexity'] !== undefined).at(-1)!;
  close(results.models[1]!.metrics['perplexity/perplexity']!, trained['eval/perplexity'] as number, 1e-5, 'step-4 perplexity');
  const base = await evaluateModel(c, MODEL);
  assert.notEqual(results.models[0]!.metrics['perplexity/perplexity'], base.metrics['perplexity/perplexity'], 'the adapters are applied');
});

test('prm: step accuracy, and latent MSE/MAE/R², equal the trainer\'s own evaluation of the same file at the last step', async () => {
  const stepwise = config({
    training: { algorithm: 'prm', max_steps: 3, eval_steps: 100, per_device_train_batch_size: 4, learning_rate: 1e-3 },
    data: { max_length: 128, max_prompt_length: 64, datasets: { stepwise: { train_files: [{ path: file('stepwise.jsonl') }], validation_files: [{ path: file('stepwise.jsonl') }] } } },
    evaluation: { checkpoints: 'all' },
  });
  const latent = config({
    training: { algorithm: 'prm', max_steps: 3, eval_steps: 100, per_device_train_batch_size: 8, learning_rate: 1e-3 },
    data: { datasets: { latent: { train_files: [{ path: file('latent.jsonl') }], validation_files: [{ path: file('latent.jsonl') }] } } },
    evaluation: { checkpoints: 'all' },
  });
  const { runPrm } = await import('../../src/trainers/prm/index.js');
  for (const [c, pairs] of [[stepwise, [['prm/step_accuracy', 'eval/accuracy']]], [latent, [['prm/mse', 'eval/mse'], ['prm/mae', 'eval/mae'], ['prm/r2', 'eval/r2']]]] as const) {
    await runPrm(c, { progress: sink });
    const results = await evaluateCheckpoints(c);
    const last = results.models.at(-1)!;
    assert.equal(last.step, 3);
    const trained = readMetrics(join(c.training.output_dir, 'metrics.jsonl')).filter((r) => r['eval/loss'] !== undefined).at(-1)!;
    for (const [mine, theirs] of pairs) close(last.metrics[mine]!, trained[theirs] as number, 1e-4, `${mine} vs ${theirs}`);
  }
});

test('critic d_acc and score_diff equal compareTeacherStudent computed directly', async () => {
  const c = config({
    training: { algorithm: 'critic' },
    critic: { student_source: 'data' },
    evaluation: { eval_file: file('teacher_student.jsonl'), max_examples: 16 },
  });
  const result = await evaluateModel(c, MODEL);
  const tok = Tokenizer.fromPretrained(MODEL);
  const records = (await loadDataset(file('teacher_student.jsonl'), { format: 'teacher_student' })).records.slice(0, 16);
  const pairs = records.map((r) => tokenizeTeacherStudent(tok, r, tokenizeOptions(c, tok))).map((e) => ({ teacher: e.teacher, student: e.student! }));
  manualSeed(5); // the fresh score head starts as evaluation (and training) start it
  const critic = SequenceScoreModel.fromPretrained(MODEL, { pooling: 'last' }).eval();
  const diff = tidy(() => noGrad(() => compareTeacherStudent(critic, pairs, { padTokenId: padIdOf(tok), eosTokenIds: [tok.eosTokenId!] }).diff.toArray() as number[]));
  critic.dispose();
  assert.equal(result.metrics['critic/count'], 16);
  assert.equal(result.metrics['critic/d_acc'], diff.filter((d) => d > 0).length / diff.length);
  close(result.metrics['critic/score_diff']!, diff.reduce((s, d) => s + d, 0) / diff.length, 1e-5, 'score_diff');
});

test('a missing file, an unknown task or a task the model cannot do fails before any model loads, naming the config key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-err-'));
  const cfg = join(dir, 'eval.yaml');
  writeFileSync(cfg, stringify({
    model: { name_or_path: MODEL },
    training: { output_dir: join(dir, 'run') },
    data: { datasets: { sft: { train_files: [{ path: file('sft.jsonl') }], validation_files: [{ path: join(dir, 'gone.jsonl') }] } } },
    evaluation: { tasks: ['generation', 'perplexity'] },
  }));
  const rejects = async (args: string[], pattern: RegExp) => {
    await assert.rejects(runEval(['--config', cfg, ...args]), (err: Error) => {
      assert.ok(err instanceof ConfigError, err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };
  await rejects([], /eval\.yaml: data\.datasets\.sft\.validation_files\[0\]\.path: .*gone\.jsonl does not exist \(read by the generation task\)/);
  await rejects(['--set', `evaluation.eval_file=${join(dir, 'nope.jsonl')}`], /eval\.yaml: evaluation\.eval_file: .*nope\.jsonl does not exist/);
  await rejects(['--set', 'evaluation.tasks=[generation, bleu]'], /evaluation\.tasks\[1\]: expected one of generation \| perplexity \| reward \| preference \| prm \| critic \| retrieval \| masked_lm, got "bleu"/);
  await rejects(['--set', 'evaluation.tasks=[critic]'], /evaluation\.tasks: critic does not apply to training\.algorithm sft \(its model is a policy\); use generation, perplexity, reward, preference/);
  await rejects(['--set', 'evaluation.tasks=[reward]'], /set evaluation\.reward_model_path/);
  await rejects(['--set', `evaluation.eval_file=${file('eval.jsonl')}`], /evaluation\.eval_file: .*eval\.jsonl holds prompt records, but the perplexity task reads sft, conversation or text records/);
  await rejects(['--checkpoints', 'all', '--set', `evaluation.eval_file=${file('sft_val.jsonl')}`], /evaluation\.checkpoints: all: training\.output_dir \(.*run\) has no complete checkpoint-<step> directory/);
  await rejects(['--checkpoints', `${MODEL},${join(dir, 'missing-model')}`, '--set', `evaluation.eval_file=${file('sft_val.jsonl')}`], /evaluation\.checkpoints\[1\]: .*missing-model does not exist/);
  assert.throws(() => loadConfig(cfg, { env: {}, overrides: ['evaluation.checkpoints=[]'] }), /evaluation\.checkpoints/);
});
