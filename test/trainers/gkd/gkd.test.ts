/**
 * GKD trainer: the first loss on tiny-qwen2 (student) and tiny-qwen2-teacher against TRL 1.13's
 * GKDTrainer.compute_loss (test/fixtures/rl/gkd.json, written by make_gkd_golden.py), a short run
 * on the sample data whose JSD to the teacher falls, the on-policy pattern and its exact resume,
 * and the refusals (teacher vocabulary, config).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig, RunConfig } from '../../../src/config/index.js';
import { loadSftExamples, writeSampleData, type TokenizedExample } from '../../../src/data/index.js';
import { loadCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { freezeReference } from '../../../src/trainers/loop/reference.js';
import { checkPrompts } from '../../../src/trainers/gkd/examples.js';
import { setOrigin } from '../../../src/data/index.js';
import { checkSharedVocabulary, gkdAlgorithm, lastTurnExample, OnPolicySchedule, runGkd } from '../../../src/trainers/gkd/index.js';

const STUDENT = 'test/fixtures/models/tiny-qwen2';
const TEACHER = 'test/fixtures/models/tiny-qwen2-teacher';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const fx = JSON.parse(readFileSync('test/fixtures/rl/gkd.json', 'utf8')).trainer;
const PAD = fx.pad_token_id as number;
const golden: TokenizedExample[] = (fx.prompt_ids as number[][]).map((p, i) => {
  const c = fx.completion_ids[i] as number[];
  return { inputIds: [...p, ...c], completionMask: [...p.map(() => 0), ...c.map(() => 1)], labels: [...p.map(() => -100), ...c], promptLength: p.length, truncated: false };
});
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
const teacher = () => freezeReference(loadCausalLm(TEACHER));
const generation = { maxNewTokens: 8, doSample: true, temperature: 0.9, topK: 0, topP: 1, padTokenId: PAD, eosTokenId: 2 };

test('gkd: the loss on the golden batch equals TRL GKDTrainer.compute_loss for beta 0, 0.5, 1 (within 1e-5)', () => {
  assert.equal(fx.cases.length, 3);
  for (const k of fx.cases as { beta: number; loss: number }[]) {
    const model = loadCausalLm(STUDENT);
    const algo = gkdAlgorithm(model, { teacher: teacher(), padTokenId: PAD, beta: k.beta, lmbda: 0, generation, seed: 1 });
    const got = tidy(() => noGrad(() => { const out = algo.loss(golden); return out.loss.item() / out.numTokens; }));
    assert.ok(close(got, k.loss, 1e-5), `beta ${k.beta}: loss ${got} vs TRL ${k.loss}`);
  }
});

function trainingOf(extra: Record<string, unknown>) {
  return RunConfig.parse({
    model: { name_or_path: STUDENT },
    training: { algorithm: 'gkd', learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, per_device_train_batch_size: 2, ...extra },
    data: { dataset_path: 'unused.jsonl' },
  }).training;
}

test("gkd: the first logged loss of an off-policy run equals TRL's; the step trains the student", async () => {
  const model = loadCausalLm(STUDENT);
  const out = mkdtempSync(join(tmpdir(), 'gkd-first-'));
  const algo = gkdAlgorithm(model, { teacher: teacher(), padTokenId: PAD, beta: 0.5, lmbda: 0, generation, seed: 7 });
  await new Trainer(algo, { training: trainingOf({ output_dir: out, max_steps: 3 }), train: golden, progress: sink }).train();
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  const want = (fx.cases as { beta: number; loss: number }[]).find((c) => c.beta === 0.5)!.loss;
  assert.ok(close(rows[0]!['loss'] as number, want, 1e-5), `first logged loss ${rows[0]!['loss']} vs TRL ${want}`);
  assert.ok((rows[2]!['loss'] as number) < (rows[0]!['loss'] as number), `loss ${rows[0]!['loss']} -> ${rows[2]!['loss']}`);
  assert.deepEqual(rows.map((r) => r['on_policy']), [0, 0, 0]);
});

const dataDir = mkdtempSync(join(tmpdir(), 'gkd-data-'));
writeSampleData(dataDir);
const sampleConfig = (training: Record<string, unknown>, gkd: Record<string, unknown> = {}) => RunConfig.parse({
  model: { name_or_path: STUDENT },
  training: { algorithm: 'gkd', learning_rate: 2e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 3, per_device_train_batch_size: 4, warmup_steps: 0, ...training },
  data: { max_length: 96, max_prompt_length: 64, datasets: { sft: { train_files: [{ path: join(dataDir, 'sft.jsonl') }], validation_files: [{ path: join(dataDir, 'sft_val.jsonl') }] } } },
  generation: { max_new_tokens: 12, temperature: 0.9 },
  gkd: { teacher_model_name_or_path: TEACHER, ...gkd },
});

test('gkd: a short run on the sample data lowers the student\'s JSD to the teacher on held-out completions', async (t) => {
  const config = sampleConfig({ output_dir: mkdtempSync(join(tmpdir(), 'gkd-learn-')), max_steps: 30 }, { lmbda: 0.5, beta: 0.5 });
  const tokenizer = Tokenizer.fromPretrained(STUDENT);
  const validation = (await loadSftExamples(config, tokenizer, 'validation')).map(lastTurnExample);
  const train = (await loadSftExamples(config, tokenizer, 'train')).map(lastTurnExample);
  const model = loadCausalLm(STUDENT);
  const algo = gkdAlgorithm(model, { teacher: teacher(), padTokenId: PAD, beta: 0.5, lmbda: 0.5, generation: { ...generation, maxNewTokens: 12 }, seed: 3 });
  const trainer = new Trainer(algo, { training: config.training, train, validation, progress: sink });
  const before = trainer.evaluate(0)['eval/loss']!;
  const result = await trainer.train();
  const after = trainer.evaluate(30)['eval/loss']!;
  assert.equal(result.globalStep, 30);
  t.diagnostic(`held-out JSD (beta 0.5) ${before.toFixed(4)} -> ${after.toFixed(4)} after 30 steps`);
  assert.ok(after < 0.8 * before, `held-out JSD ${before} -> ${after}`);
  const onPolicy = [...readMetrics(join(config.training.output_dir, 'metrics.jsonl'))].map((r) => r['on_policy']).filter((v) => v !== undefined) as number[];
  assert.ok(onPolicy.some((v) => v === 1) && onPolicy.some((v) => v === 0), `both kinds of steps ran: ${onPolicy.join(',')}`);
});

test('gkd: the on-policy steps follow the seeded schedule exactly, and a resumed run continues it (and its losses) exactly', async () => {
  const s = new OnPolicySchedule(3, 0.5);
  const pattern = Array.from({ length: 6 }, () => (s.next() ? 1 : 0));
  const many = new OnPolicySchedule(3, 0.3);
  const share = Array.from({ length: 2000 }, () => many.next()).filter(Boolean).length / 2000;
  assert.ok(Math.abs(share - 0.3) < 0.03, `share of on-policy draws ${share} for lmbda 0.3`);
  assert.equal(Array.from({ length: 50 }, () => new OnPolicySchedule(9, 0).next()).some(Boolean), false);
  assert.equal(Array.from({ length: 50 }, () => new OnPolicySchedule(9, 1).next()).every(Boolean), true);
  const resumed = new OnPolicySchedule(3, 0.5);
  resumed.restore(3);
  assert.deepEqual([resumed.next(), resumed.next(), resumed.next()].map(Number), pattern.slice(3));

  const rowsOf = (dir: string) => readMetrics(join(dir, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  const full = sampleConfig({ output_dir: mkdtempSync(join(tmpdir(), 'gkd-full-')), max_steps: 6, save_steps: 3, lr_scheduler_type: 'constant' });
  await runGkd(full, { progress: sink });
  const fullRows = rowsOf(full.training.output_dir);
  assert.deepEqual(fullRows.map((r) => r['on_policy']), pattern, 'the on-policy steps are the seeded draws');
  const part = sampleConfig({ output_dir: mkdtempSync(join(tmpdir(), 'gkd-part-')), max_steps: 6, save_steps: 3, lr_scheduler_type: 'constant' });
  await runGkd(RunConfig.parse({ ...part, training: { ...part.training, max_steps: 3 } }), { progress: sink });
  await runGkd(part, { progress: sink, resume: 'latest' });
  const partRows = rowsOf(part.training.output_dir);
  assert.deepEqual(partRows.map((r) => r['step']), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(partRows.map((r) => r['on_policy']), pattern);
  partRows.forEach((r, i) => assert.ok(close(r['loss'] as number, fullRows[i]!['loss'] as number, 1e-6), `step ${i + 1}: resumed loss ${r['loss']} vs ${fullRows[i]!['loss']}`));
});

test('gkd: a teacher with another vocabulary is refused, naming the files and the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gkd-teacher-'));
  const bad = join(dir, 'teacher');
  cpSync(TEACHER, bad, { recursive: true });
  const tok = JSON.parse(readFileSync(join(bad, 'tokenizer.json'), 'utf8'));
  const [first, second] = Object.entries(tok.model.vocab as Record<string, number>).filter(([, id]) => id === 300 || id === 301);
  tok.model.vocab[first![0]] = second![1];
  tok.model.vocab[second![0]] = first![1];
  writeFileSync(join(bad, 'tokenizer.json'), JSON.stringify(tok));
  const student = { modelDir: STUDENT, tokenizerDir: STUDENT };
  assert.doesNotThrow(() => checkSharedVocabulary(student, TEACHER));
  assert.throws(() => checkSharedVocabulary(student, bad), (e: Error) => /tiny-qwen2\/tokenizer\.json\) and the teacher's \(gkd\.teacher_model_name_or_path, .*teacher\/tokenizer\.json\) differ: token id 300 is/.test(e.message) && /same tokenizer\.json and vocab_size/.test(e.message));
  const config = JSON.parse(readFileSync(join(TEACHER, 'config.json'), 'utf8'));
  writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...config, vocab_size: 640 }));
  assert.throws(() => checkSharedVocabulary(student, bad), /has vocab_size 512 but the teacher \(gkd\.teacher_model_name_or_path, .*config\.json\) has vocab_size 640/);
  // A record with no prompt names its file:line.
  const noPrompt: TokenizedExample = { inputIds: [5, 6], completionMask: [1, 1], labels: [5, 6], promptLength: 0, truncated: false };
  setOrigin(noPrompt, { file: 'data/x.jsonl', line: 7 });
  assert.throws(() => checkPrompts([golden[0]!, noPrompt], 128), /gkd: data\/x\.jsonl:7: the completion starts at the first token/);
  // runGkd refuses before any model loads.
  return assert.rejects(runGkd(sampleConfig({ output_dir: join(dir, 'out'), max_steps: 1 }, { teacher_model_name_or_path: bad }), { progress: sink }), /vocab_size 640/);
});

test('gkd: config refusals quote the values', () => {
  const issues = (gkd: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const parsed = RunConfig.safeParse({ model: { name_or_path: STUDENT }, training: { algorithm: 'gkd' }, data: { dataset_path: 'x.jsonl' }, gkd, ...extra });
    return parsed.success ? '' : JSON.stringify(parsed.error.issues);
  };
  assert.equal(issues({}), '');
  assert.match(issues({ lmbda: 1.5 }), /"path":\["gkd","lmbda"\]/);
  assert.match(issues({ beta: -0.1 }), /"path":\["gkd","beta"\]/);
  assert.match(issues({ max_new_tokens: 64 }), /Unrecognized key/); // only through the alias (loadConfig)
  assert.match(issues({}, { sft: { completion_only_loss: false } }), /sft.completion_only_loss is false, but GKD distils the completion only/);
  assert.match(issues({}, { sft: { packing: true } }), /sft.packing is true, but GKD samples one completion per prompt/);
  const dir = mkdtempSync(join(tmpdir(), 'gkd-config-'));
  const file = join(dir, 'gkd.yaml');
  writeFileSync(file, `model: {name_or_path: ${STUDENT}}\ntraining: {algorithm: gkd}\ndata: {dataset_path: x.jsonl}\ngkd: {temperature: 0.9, max_new_tokens: 32}\n`);
  const c = loadConfig(file, { env: {} });
  assert.equal(c.generation.temperature, 0.9);
  assert.equal(c.generation.max_new_tokens, 32);
  writeFileSync(file, `model: {name_or_path: ${STUDENT}}\ntraining: {algorithm: gkd}\ndata: {dataset_path: x.jsonl}\ngkd: {temperature: 0.9}\ngeneration: {temperature: 0.7}\n`);
  assert.throws(() => loadConfig(file, { env: {} }), /gkd\.temperature[\s\S]*generation\.temperature|generation\.temperature[\s\S]*gkd\.temperature/);
});

test('gkd: seq_kd (teacher samples), LoRA with the starting base as teacher, and gradient checkpointing train', async () => {
  const out = () => mkdtempSync(join(tmpdir(), 'gkd-variant-'));
  const seqKd = await runGkd(sampleConfig({ output_dir: out(), max_steps: 2 }, { lmbda: 0, seq_kd: true }), { progress: sink });
  assert.equal(seqKd.globalStep, 2);
  assert.ok(Number.isFinite(seqKd.losses.get(2)!) && seqKd.losses.get(1)! > 0);
  const base = sampleConfig({ output_dir: out(), max_steps: 2 }, { lmbda: 1 });
  // No teacher path: the LoRA student's own base (adapters disabled) is the teacher; the student starts equal to it.
  const lora = await runGkd(RunConfig.parse({ ...base, gkd: { ...base.gkd, teacher_model_name_or_path: null }, lora: { enabled: true, r: 4, alpha: 8 } }), { progress: sink });
  assert.ok(Math.abs(lora.losses.get(1)!) < 1e-6, `LoRA B starts at 0, so the student equals its base: first loss ${lora.losses.get(1)}`);
  const ckpt = await runGkd(sampleConfig({ output_dir: out(), max_steps: 2, gradient_checkpointing: true }, { lmbda: 0.5 }), { progress: sink });
  assert.equal(ckpt.globalStep, 2);
});
