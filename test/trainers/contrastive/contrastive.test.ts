/**
 * training.algorithm contrastive: SimCLR on augmented views of text and MoCo on anchor/positive
 * pairs learn (the positive ranks first more often after training than at the start); the run
 * saves the encoder as its model and the head, key encoder and queue beside it, and a resumed
 * MoCo run (queue and key encoder restored) logs the uninterrupted run's losses.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { runContrastive } from '../../../src/trainers/contrastive/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const dir = mkdtempSync(join(tmpdir(), 'contrastive-'));
// Words the tiny BERT's WordPiece vocabulary holds whole: 12 topics of distinct words.
const WORDS = ['quick brown fox', 'lazy dog', 'model reads text', 'predicts masked word', 'weather sunny calm', 'river today', 'layers stack', 'attention head', 'language model', 'tokenizers split pieces', 'residual connections', 'feed forward layer'];
const docs = (n: number, offset: number) => Array.from({ length: n }, (_, i) => `${WORDS[(i + offset) % 12]} ${WORDS[(i + offset) % 12]} and ${WORDS[(i + offset + 5) % 12]}`);
writeFileSync(join(dir, 'train.txt'), docs(96, 0).join('\n'));
writeFileSync(join(dir, 'val.txt'), docs(12, 3).join('\n'));
const pairs = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ anchor: `${WORDS[i % 12]} is it`, positive: `you ask ${WORDS[i % 12]}` }));
writeFileSync(join(dir, 'pairs.jsonl'), pairs(96).join('\n'));
writeFileSync(join(dir, 'pairs_val.jsonl'), pairs(12).join('\n'));

function config(training: Record<string, unknown>, contrastive: Record<string, unknown>, data: Record<string, unknown>): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-bert' },
    training: { algorithm: 'contrastive', output_dir: mkdtempSync(join(tmpdir(), 'contrastive-out-')), learning_rate: 2e-3, per_device_train_batch_size: 12, per_device_eval_batch_size: 12, seed: 6, logging_steps: 1, save_steps: 1000, lr_scheduler_type: 'constant', ...training },
    data: { max_length: 32, max_prompt_length: 16, datasets: data },
    contrastive: { temperature: 0.1, projection_dim: 32, ...contrastive },
  });
}

test('simclr on augmented views of text: eval accuracy and loss improve; the encoder is the saved model, the head beside it', async () => {
  const c = config({ max_steps: 40, eval_steps: 40 }, { method: 'simclr', augmentations: [{ type: 'random_delete', prob: 0.2 }, { type: 'random_swap', prob: 0.2 }] }, { text: { train_files: [{ path: join(dir, 'train.txt') }], validation_files: [{ path: join(dir, 'val.txt') }] } });
  const r = await runContrastive(c, { progress: sink });
  const first = r.evaluations[0]?.metrics ?? {};
  const last = r.evaluations.at(-1)?.metrics ?? {};
  assert.ok((last['eval/loss'] as number) < (first['eval/loss'] as number), `eval loss ${first['eval/loss']} -> ${last['eval/loss']}`);
  assert.ok((last['eval/accuracy'] as number) >= 0.5, `eval accuracy ${first['eval/accuracy']} -> ${last['eval/accuracy']}`);
  assert.ok(existsSync(join(r.outputDir, 'model.safetensors')) && existsSync(join(r.outputDir, 'contrastive_head', 'model.safetensors')));
});

test('moco on anchor/positive pairs: a resumed run (key encoder, queue and its position restored) logs the uninterrupted run\'s losses', async () => {
  const data = { pair: { train_files: [{ path: join(dir, 'pairs.jsonl') }] } };
  const full = config({ max_steps: 6, save_steps: 3 }, { method: 'moco', momentum: 0.9, queue_size: 48, augmentations: [] }, data);
  const a = await runContrastive(full, { progress: sink });
  assert.ok(existsSync(join(full.training.output_dir, 'checkpoint-3', 'key_encoder', 'model.safetensors')));
  const b = await runContrastive(RunConfig.parse({ ...full, training: { ...full.training, output_dir: mkdtempSync(join(tmpdir(), 'moco-res-')) } }), { progress: sink, resume: join(full.training.output_dir, 'checkpoint-3') });
  for (const step of [4, 5, 6]) {
    const x = a.losses.get(step) as number;
    const y = b.losses.get(step) as number;
    assert.ok(Math.abs(x - y) < 1e-5, `step ${step}: ${x} vs ${y}`);
  }
});
