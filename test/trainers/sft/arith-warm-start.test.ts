/**
 * The arithmetic warm start, shortened: examples/configs/arith-sft.yaml as shipped (a tiny
 * Qwen2 from config.json alone) on a small seeded task split. The first loss is that of fresh
 * weights, about ln(vocab); sixty steps lower it well below.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { writeArithmeticTask } from '../../../src/data/index.js';
import { exactMatchAccuracy } from '../../../src/eval/task-accuracy.js';
import { loadCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { runSft } from '../../../src/trainers/sft/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

test('arith-sft: from scratch, the loss starts near ln(17) and falls; the output loads and generates', async () => {
  const data = mkdtempSync(join(tmpdir(), 'arith-data-'));
  const files = writeArithmeticTask(data, { seed: 0, sft: 640, sftVal: 32, prompts: 0, eval: 20 });
  const out = mkdtempSync(join(tmpdir(), 'arith-sft-'));
  const config = loadConfig('examples/configs/arith-sft.yaml', {
    env: {},
    overrides: [
      `training.output_dir=${out}`,
      'training.max_steps=60',
      'training.warmup_steps=5',
      'training.logging_steps=1',
      'training.eval_steps=1000',
      `data.datasets.sft.train_files=[{path: ${files.sft.path}}]`,
      `data.datasets.sft.validation_files=[{path: ${files.sft_val.path}}]`,
    ],
  });
  assert.equal(config.model.init, 'from_scratch');
  const result = await runSft(config, { progress: sink });
  assert.equal(result.globalStep, 60);
  const losses = readMetrics(join(out, 'metrics.jsonl')).filter((r) => typeof r['loss'] === 'number').map((r) => r['loss'] as number);
  assert.equal(losses.length, 60);
  const first = losses[0] as number;
  // Fresh weights predict nearly uniformly (a little above ln(17): tied embeddings favour repeating the last token).
  assert.ok(first > Math.log(17) - 0.05 && first < Math.log(17) + 0.25, `first loss ${first} is not that of fresh weights, about ln(17) = ${Math.log(17)}`);
  const last = losses.slice(-5).reduce((s, x) => s + x, 0) / 5;
  assert.ok(last < 0.7 * first, `loss ${first} -> ${last} (mean of the last 5)`);
  assert.ok(existsSync(join(out, 'model.safetensors')) && existsSync(join(out, 'tokenizer.json')));

  // The output is an ordinary pretrained directory: it loads without model.init and answers in digits.
  const model = loadCausalLm(out);
  const tok = Tokenizer.fromPretrained(out);
  const evalRecords = readFileSync(files.eval.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; reference: string });
  const r = exactMatchAccuracy(model, tok, evalRecords, { maxNewTokens: 5 });
  assert.equal(r.total, 20);
  assert.ok(r.samples.every((s) => /^\d*$/.test(s.completion)), JSON.stringify(r.samples.map((s) => s.completion)));
  model.dispose();
});
