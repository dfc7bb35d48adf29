/**
 * training.algorithm mlm: BERT from scratch learns to fill masked tokens (accuracy rises), with
 * next-sentence prediction too; a resumed run masks and trains as the uninterrupted one did; a
 * Qwen2-shaped decoder trains in encoder mode with a named mask token and saves is_causal: false.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { runMlm } from '../../../src/trainers/mlm/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const dir = mkdtempSync(join(tmpdir(), 'mlm-'));
// Words the tiny BERT's WordPiece vocabulary holds whole.
const SENTENCES = ['the quick brown fox jumps over the lazy dog.', 'the model reads text and predicts the masked word.', 'bert learns language from unlabelled text.', 'the weather is sunny and calm today.'];
writeFileSync(join(dir, 'train.txt'), Array.from({ length: 160 }, (_, i) => `${SENTENCES[i % 4]} ${SENTENCES[(i + 1) % 4]} ${SENTENCES[(i + 2) % 4]}`).join('\n'));
writeFileSync(join(dir, 'val.txt'), Array.from({ length: 16 }, (_, i) => `${SENTENCES[(i + 1) % 4]} ${SENTENCES[(i + 2) % 4]}`).join('\n'));

function config(model: string, training: Record<string, unknown>, mlm: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: `test/fixtures/models/${model}`, init: 'from_scratch' },
    training: { algorithm: 'mlm', output_dir: mkdtempSync(join(tmpdir(), 'mlm-out-')), learning_rate: 3e-3, per_device_train_batch_size: 16, seed: 4, logging_steps: 1, save_steps: 1000, lr_scheduler_type: 'constant', ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { text: { train_files: [{ path: join(dir, 'train.txt') }], validation_files: [{ path: join(dir, 'val.txt') }] } } },
    mlm,
  });
}

test('mlm on BERT from scratch: masked-token accuracy rises far above chance, and the step logs mlm_loss, mlm_accuracy and num_masked', async () => {
  // transformers' BertForMaskedLM + DataCollatorForLanguageModeling on this corpus and config reach
  // loss 3.07 and accuracy 0.19 at step 100 (AdamW 3e-3, batch 16): the same curve as here.
  const r = await runMlm(config('tiny-bert', { max_steps: 100, eval_steps: 100 }), { progress: sink });
  const last = r.evaluations.at(-1)?.metrics ?? {};
  assert.ok((r.losses.get(1) as number) > 5, `first loss ${r.losses.get(1)} (fresh weights, 155 ids: ln 155 = 5.04)`);
  assert.ok((last['eval/mlm_loss'] as number) < 3.5, `eval mlm_loss ${last['eval/mlm_loss']}`);
  assert.ok((last['eval/mlm_accuracy'] as number) > 0.08, `eval accuracy ${last['eval/mlm_accuracy']} (chance 1/155)`);
  const row = JSON.parse(readFileSync(join(r.outputDir, 'metrics.jsonl'), 'utf8').split('\n')[0] as string) as Record<string, number>;
  assert.ok(row['mlm_accuracy'] !== undefined && row['num_masked'] !== undefined && Number.isInteger(row['num_masked']) && (row['num_masked'] as number) > 0, JSON.stringify(row));
});

test('mlm + nsp on BERT: both losses logged, the next-sentence accuracy above chance after training', async () => {
  const r = await runMlm(config('tiny-bert', { max_steps: 60, eval_steps: 60 }, { use_nsp: true }), { progress: sink });
  const m = r.evaluations.at(-1)?.metrics ?? {};
  assert.ok(Number.isFinite(m['eval/nsp_loss']) && Number.isFinite(m['eval/mlm_loss']), JSON.stringify(m));
  assert.ok(Math.abs((m['eval/loss'] as number) - (m['eval/mlm_loss'] as number) - (m['eval/nsp_loss'] as number)) < 1e-4, 'loss = mlm mean + nsp mean');
});

test('a resumed mlm run masks and trains exactly as the uninterrupted one', async () => {
  const full = config('tiny-bert', { max_steps: 4, save_steps: 2 });
  const a = await runMlm(full, { progress: sink });
  const b = await runMlm(RunConfig.parse({ ...full, training: { ...full.training, output_dir: mkdtempSync(join(tmpdir(), 'mlm-res-')) } }), { progress: sink, resume: join(full.training.output_dir, 'checkpoint-2') });
  for (const step of [3, 4]) assert.ok(Math.abs((a.losses.get(step) as number) - (b.losses.get(step) as number)) < 1e-6, `step ${step}`);
});

test('mlm on a Qwen2-shaped decoder in encoder mode: a named mask token, saved with is_causal false; a tokenizer without one is refused', async () => {
  await assert.rejects(runMlm(config('tiny-qwen2', { max_steps: 1 }), { progress: sink }), /no mask token .*set mlm\.mask_token/);
  const r = await runMlm(config('tiny-qwen2', { max_steps: 3 }, { mask_token: '<|im_start|>' }), { progress: sink });
  assert.equal((JSON.parse(readFileSync(join(r.outputDir, 'config.json'), 'utf8')) as { is_causal?: boolean }).is_causal, false);
  assert.ok(Number.isFinite(r.losses.get(3)));
});
