import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { SequenceScoreModel } from '../../../src/models/index.js';
import { loadDataset, tokenizeTeacherStudent, type CriticPair } from '../../../src/data/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { noGrad, tensor, tidy } from '../../../src/tensor/index.js';
import { compareTeacherStudent, responseMask } from '../../../src/scoring/index.js';
import { criticAlgorithm, runCritic } from '../../../src/trainers/critic/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const EOS = 2;

const example = (prompt: number[], response: number[]) => ({
  inputIds: [...prompt, ...response],
  completionMask: [...prompt.map(() => 0), ...response.map(() => 1)],
  labels: [...prompt.map(() => -100), ...response],
  promptLength: prompt.length,
  truncated: false,
});

test('responseMask: completion tokens before the first EOS, never the EOS or what follows, never from the pad id', () => {
  // Row 2 pads with the EOS id (pad == eos): its completion still ends at its real EOS.
  const ids = tensor([[5, 6, 7, 8, EOS, 198], [5, 9, 10, EOS, EOS, EOS]], { dtype: 'int64' });
  const completion = tensor([[0, 1, 1, 1, 1, 1], [0, 1, 1, 1, 0, 0]], { dtype: 'int64' });
  assert.deepEqual(responseMask(ids, completion, [EOS]).toArray(), [[0, 1, 1, 1, 0, 0], [0, 1, 1, 0, 0, 0]]);
});

test('critic: the sequence score is the mean per-token value over response tokens, and the loss is -log σ(Δ/T)', () => {
  const critic = SequenceScoreModel.fromPretrained(MODEL);
  const pairs: CriticPair[] = [{ teacher: example([10, 11], [20, 21, 22, EOS]), student: example([10, 11], [30, EOS]) }];
  tidy(() => noGrad(() => {
    const valuesOf = (ids: number[]) => {
      const { hiddenStates } = critic.forward({ inputIds: tensor([ids], { dtype: 'int64' }) });
      return critic.score.forward(hiddenStates).select(-1, 0).select(0, 0).toArray() as number[];
    };
    const vt = valuesOf(pairs[0]!.teacher.inputIds);
    const vs = valuesOf(pairs[0]!.student.inputIds);
    const st = (vt[2]! + vt[3]! + vt[4]!) / 3;
    const ss = vs[2]!;
    for (const teacherFirst of [true, false]) {
      const c = compareTeacherStudent(critic, pairs, { padTokenId: 3, eosTokenIds: [EOS], teacherFirst });
      assert.ok(Math.abs(c.teacher.item() - st) < 1e-5 && Math.abs(c.student.item() - ss) < 1e-5, `${c.teacher.item()} vs ${st}`);
      assert.deepEqual([c.teacherLengths.item(), c.studentLengths.item()], [3, 1]);
    }
    critic.eval();
    const out = criticAlgorithm(critic, { padTokenId: 3, eosTokenIds: [EOS], temperature: 2 }).loss(pairs);
    const want = Math.log1p(Math.exp(-(st - ss) / 2));
    assert.ok(Math.abs(out.loss.item() - want) < 1e-5, `${out.loss.item()} vs ${want}`);
    assert.equal(out.metrics?.['critic/d_acc'], st > ss ? 1 : 0);
    assert.ok(Math.abs(out.metrics!['critic/length_ratio']! - 3) < 1e-6);
  }));
});

test('critic: the adaptive temperature follows the running |Δ| within its clamp and is restored from state', () => {
  const critic = SequenceScoreModel.fromPretrained(MODEL).train();
  const pairs: CriticPair[] = [{ teacher: example([10, 11], [20, 21, EOS]), student: example([10, 11], [30, EOS]) }];
  const algo = criticAlgorithm(critic, { padTokenId: 3, eosTokenIds: [EOS], temperature: 1, adaptive: { min: 0.01, max: 0.02, momentum: 0.5 }, randomizeOrder: false });
  tidy(() => noGrad(() => algo.loss(pairs)));
  const state = algo.stateDict!();
  assert.ok(state['temperature']! >= 0.01 && state['temperature']! <= 0.02, JSON.stringify(state));
  assert.ok(Number.isFinite(state['runningAbsDiff']));
  const fresh = criticAlgorithm(critic, { padTokenId: 3, eosTokenIds: [EOS], temperature: 1, adaptive: { min: 0.01, max: 0.02, momentum: 0.5 } });
  fresh.loadStateDict!(state);
  assert.deepEqual(fresh.stateDict!(), state);
});

function dataFile(withStudents: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'critic-data-'));
  const topics = ['gradient descent', 'attention', 'tokenization', 'dropout', 'batch norm', 'learning rate', 'overfitting', 'embeddings'];
  const rows = topics.map((t) => JSON.stringify({
    prompt: `Explain ${t}.`,
    teacher_response: `${t} is explained clearly: it helps models learn better.`,
    ...(withStudents ? { student_response: 'no no no no' } : {}),
  }));
  writeFileSync(join(dir, 'ts.jsonl'), `${rows.join('\n')}\n`);
  return join(dir, 'ts.jsonl');
}

function config(path: string, critic: Record<string, unknown>, training: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'critic', output_dir: mkdtempSync(join(tmpdir(), 'critic-out-')), learning_rate: 3e-4, logging_steps: 1, save_steps: 1000, eval_steps: 5, seed: 11, per_device_train_batch_size: 4, max_steps: 10, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { teacher_student: { train_files: [{ path }], validation_files: [{ path }] } } },
    generation: { max_new_tokens: 8 },
    critic,
  });
}

test('critic: d_acc and score_diff rise when teacher and student differ; eval uses the same comparison', async () => {
  const path = dataFile(true);
  const c = config(path, { adaptive_temperature: true, temperature_min: 0.1, temperature_max: 2 });
  await runCritic(c, { progress: sink });
  const rows = readMetrics(join(c.training.output_dir, 'metrics.jsonl'));
  const train = rows.filter((r) => typeof r['critic/score_diff'] === 'number');
  const evals = rows.filter((r) => typeof r['eval/critic/d_acc'] === 'number');
  assert.ok((train.at(-1)!['critic/score_diff'] as number) > (train[0]!['critic/score_diff'] as number));
  assert.equal(evals.at(-1)!['eval/critic/d_acc'], 1);
  for (const k of ['critic/d_acc', 'critic/teacher_score', 'critic/student_score', 'critic/grad_norm', 'critic/length_ratio', 'critic/temperature']) {
    assert.ok(train.every((r) => Number.isFinite(r[k] as number)), k);
  }
  assert.equal(train[0]!['critic/grad_norm'], train[0]!['grad_norm']);
  // The saved critic, scored with compareTeacherStudent directly, reproduces the last eval d_acc and score_diff.
  const saved = SequenceScoreModel.fromPretrained(c.training.output_dir);
  const tok = Tokenizer.fromPretrained(MODEL);
  const { records } = await loadDataset(path, { format: 'teacher_student' });
  const pairs = records.map((r) => tokenizeTeacherStudent(tok, r, { maxLength: 64, maxPromptLength: 32 }) as CriticPair);
  const diff = tidy(() => noGrad(() => compareTeacherStudent(saved, pairs, { padTokenId: 3, eosTokenIds: [EOS] }).diff.toArray() as number[]));
  const meanDiff = diff.reduce((a, b) => a + b, 0) / diff.length;
  assert.ok(Math.abs(meanDiff - (evals.at(-1)!['eval/critic/score_diff'] as number)) < 1e-5, `${meanDiff} vs ${evals.at(-1)!['eval/critic/score_diff']}`);
  assert.equal(diff.filter((d) => d > 0).length / diff.length, evals.at(-1)!['eval/critic/d_acc']);
});

test('critic: missing student responses are generated by the frozen actor', async () => {
  const c = config(dataFile(false), { student_source: 'auto' }, { max_steps: 2, eval_steps: 1000 });
  const r = await runCritic(c, { progress: sink });
  assert.equal(r.globalStep, 2);
  const rows = readMetrics(join(c.training.output_dir, 'metrics.jsonl')).filter((row) => typeof row['critic/length_ratio'] === 'number');
  assert.ok(rows.every((row) => (row['critic/length_ratio'] as number) > 0));
  await assert.rejects(runCritic(config(dataFile(false), { student_source: 'data' }, { max_steps: 1 }), { progress: sink }), /critic\.student_source is data, but 8 records have no student_response/);
});
