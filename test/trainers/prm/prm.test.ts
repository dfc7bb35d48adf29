import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { loadDataset, prmMode, tokenizeStepwise, writeSampleData, type LatentRecord } from '../../../src/data/index.js';
import { saveSafetensors } from '../../../src/io/index.js';
import { LatentPrmModel, TokenClassifierModel } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { noGrad, tensor, tidy } from '../../../src/tensor/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { latentPrmAlgorithm, runPrm, stepwisePrmAlgorithm } from '../../../src/trainers/prm/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const SAMPLE = mkdtempSync(join(tmpdir(), 'prm-sample-'));
writeSampleData(SAMPLE, { sft: 20, preference: 60, eval: 4, seed: 1 });

function config(extra: Record<string, unknown>, training: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'prm', output_dir: mkdtempSync(join(tmpdir(), 'prm-out-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 1000, eval_steps: 1000, seed: 5, per_device_train_batch_size: 8, ...training },
    data: { max_length: 96, max_prompt_length: 48 },
    ...extra,
  });
}

test('stepwise PRM: the loss is the cross entropy at exactly the step-separator tokens', () => {
  const tok = Tokenizer.fromPretrained(MODEL);
  const record = { kind: 'stepwise' as const, prompt: 'Q: 2+2?', completions: ['2+2 is 4', 'so the answer is 5'], labels: [true, false] };
  const ex = tokenizeStepwise(tok, record, { stepSeparator: '\n' });
  const model = TokenClassifierModel.fromPretrained(MODEL, { numLabels: 2 });
  const algo = stepwisePrmAlgorithm(model, 3);
  tidy(() => noGrad(() => {
    const out = algo.loss([ex]);
    assert.equal(out.numTokens, 2);
    const { logits } = model.forward({ inputIds: tensor([ex.inputIds], { dtype: 'int64' }) });
    const rows = logits.select(0, 0).logSoftmax(-1).toArray() as number[][];
    const positions = ex.labels.map((l, t) => [l, t] as const).filter(([l]) => l !== -100);
    assert.deepEqual(positions.map(([l]) => l), [1, 0]);
    const want = -positions.reduce((s, [l, t]) => s + (rows[t]?.[l] as number), 0);
    assert.ok(Math.abs(out.loss.item() - want) < 1e-5, `${out.loss.item()} vs ${want}`);
  }));
});

test('stepwise PRM: training on the sample steps raises step accuracy and saves a token classifier', async () => {
  const c = config({ data: { max_length: 96, max_prompt_length: 48, datasets: { stepwise: { train_files: [{ path: join(SAMPLE, 'stepwise.jsonl') }], validation_files: [{ path: join(SAMPLE, 'stepwise.jsonl') }] } } } }, { max_steps: 16, eval_steps: 8 });
  assert.equal(prmMode(c), 'stepwise');
  await runPrm(c, { progress: sink });
  const rows = readMetrics(join(c.training.output_dir, 'metrics.jsonl'));
  const evalAcc = rows.filter((r) => typeof r['eval/accuracy'] === 'number').map((r) => r['eval/accuracy'] as number);
  const trainAcc = rows.filter((r) => typeof r['accuracy'] === 'number').map((r) => r['accuracy'] as number);
  assert.ok(evalAcc.length >= 2 && evalAcc.at(-1)! > 0.75, `eval accuracy ${evalAcc}`);
  assert.ok(trainAcc.at(-1)! >= trainAcc[0]!, `train accuracy ${trainAcc[0]} -> ${trainAcc.at(-1)}`);
  const saved = JSON.parse(readFileSync(join(c.training.output_dir, 'config.json'), 'utf8'));
  assert.deepEqual(saved.architectures, ['Qwen2ForTokenClassification']);
  assert.equal(Object.keys(saved.id2label).length, 2);
});

test('latent PRM: prm_score wins over score, and MSE / MAE / R² are exact over the batch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latent-'));
  saveSafetensors(join(dir, 'index.safetensors'), new Map([['a', tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'float32' })], ['b', tensor([[0.5, 0.5]], { dtype: 'float32' })]]));
  writeFileSync(join(dir, 'index.jsonl'), `${JSON.stringify({ tensor: 'a', score: 1, prm_score: 0.25 })}\n${JSON.stringify({ tensor: 'b', score: 0.75 })}\n`);
  const { records } = await loadDataset(join(dir, 'index.jsonl'), { format: 'latent' });
  assert.deepEqual(records.map((r) => r.score), [0.25, 0.75]);
  const model = LatentPrmModel.fromPretrained(MODEL, { latentDim: 2, pooling: 'mean' });
  const algo = latentPrmAlgorithm(model);
  tidy(() => noGrad(() => {
    const out = algo.loss(records as LatentRecord[]);
    const scores = [0, 1].map((i) => {
      const r = records[i] as LatentRecord;
      const steps = i === 0 ? 3 : 1;
      const latents = tensor(i === 0 ? [[[1, 0], [0, 1], [1, 1]]] : [[[0.5, 0.5]]], { dtype: 'float32' });
      void r;
      return model.forward(latents, tensor([Array(steps).fill(1)], { dtype: 'int64' })).item();
    });
    const errs = [scores[0]! - 0.25, scores[1]! - 0.75];
    const sse = errs[0]! ** 2 + errs[1]! ** 2;
    assert.ok(Math.abs(out.loss.item() - sse) < 1e-6, `${out.loss.item()} vs ${sse}`);
    const m = algo.summarize!(Object.fromEntries(Object.entries(out.metrics!).map(([k, v]) => [k, v / 2])), { units: 2 });
    assert.ok(Math.abs(m['mse']! - sse / 2) < 1e-6);
    assert.ok(Math.abs(m['mae']! - (Math.abs(errs[0]!) + Math.abs(errs[1]!)) / 2) < 1e-6);
    // Targets 0.25 and 0.75: variance 0.0625.
    assert.ok(Math.abs(m['r2']! - (1 - sse / 2 / 0.0625)) < 1e-5);
  }));
});

test('latent PRM: training on the sample latents reaches R² > 0.5 and the saved model reloads with the same scores', async () => {
  const files = { train_files: [{ path: join(SAMPLE, 'latent.jsonl') }], validation_files: [{ path: join(SAMPLE, 'latent.jsonl') }] };
  const c = config({ data: { datasets: { latent: files } }, prm: { pooling: 'mean' } }, { max_steps: 24, eval_steps: 8 });
  assert.equal(prmMode(c), 'latent');
  await runPrm(c, { progress: sink });
  const out = c.training.output_dir;
  const evals = readMetrics(join(out, 'metrics.jsonl')).filter((r) => typeof r['eval/r2'] === 'number');
  const r2 = evals.map((r) => r['eval/r2'] as number);
  const mse = evals.map((r) => r['eval/mse'] as number);
  assert.ok(r2.at(-1)! > 0.5, `R² ${r2}`);
  assert.ok(mse.at(-1)! < mse[0]!, `mse ${mse}`);
  assert.ok(existsSync(join(out, 'model.safetensors')));
  const reloaded = LatentPrmModel.fromPretrained(out);
  assert.equal(reloaded.latentDim, 32);
  assert.equal(reloaded.pooling, 'mean');
  const { records } = await loadDataset(join(SAMPLE, 'latent.jsonl'), { format: 'latent' });
  // The final evaluation ran on the final weights: the reloaded model reproduces its MSE.
  let sse = 0;
  for (let i = 0; i < records.length; i += 8) sse += tidy(() => noGrad(() => latentPrmAlgorithm(reloaded).loss(records.slice(i, i + 8) as LatentRecord[]).loss.item()));
  assert.ok(Math.abs(sse / records.length - mse.at(-1)!) < 1e-6, `${sse / records.length} vs ${mse.at(-1)}`);
});
