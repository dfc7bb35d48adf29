/**
 * training.algorithm pretrain: from scratch on a raw-text corpus the validation perplexity falls;
 * the corpus is tokenized once into a cache that a second run reuses and a changed file
 * rebuilds; a killed run resumed from its checkpoint logs the uninterrupted run's losses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { runPretrain } from '../../../src/trainers/pretrain/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const dir = mkdtempSync(join(tmpdir(), 'pretrain-'));
const SENTENCES = ['the cat sat on the mat.', 'a dog ran in the park.', 'the sun is hot today.', 'we like to read books.', 'birds fly over the sea.'];
writeFileSync(join(dir, 'train.txt'), Array.from({ length: 120 }, (_, i) => `${SENTENCES[i % 5]} ${SENTENCES[(i * 3 + 1) % 5]}`).join('\n'));
writeFileSync(join(dir, 'val.txt'), Array.from({ length: 8 }, (_, i) => `${SENTENCES[(i + 2) % 5]} ${SENTENCES[i % 5]}`).join('\n'));

function config(training: Record<string, unknown>, cacheDir: string | null = null): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2', init: 'from_scratch' },
    training: { algorithm: 'pretrain', output_dir: mkdtempSync(join(tmpdir(), 'pretrain-out-')), learning_rate: 3e-3, per_device_train_batch_size: 4, seed: 3, logging_steps: 1, save_steps: 1000, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { text: { train_files: [{ path: join(dir, 'train.txt') }], validation_files: [{ path: join(dir, 'val.txt') }] } } },
    pretrain: { cache_dir: cacheDir },
  });
}

test('pretrain from scratch: validation perplexity falls from near the vocabulary size', async () => {
  const r = await runPretrain(config({ max_steps: 40, eval_steps: 20, lr_scheduler_type: 'constant' }), { progress: sink });
  const ppl = r.evaluations.map((e) => e.metrics['eval/perplexity'] as number);
  assert.ok(ppl.length >= 2);
  assert.ok((r.losses.get(1) as number) > Math.log(512) - 0.5, `first loss ${r.losses.get(1)} (a fresh model over 512 ids)`);
  assert.ok((ppl.at(-1) as number) < 12 && (ppl.at(-1) as number) < (ppl[0] as number), `perplexity ${ppl.join(' -> ')}`);
});

test('the token cache is built once, reused by the next run, and rebuilt when a file changes', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pretrain-cache-'));
  await runPretrain(config({ max_steps: 1 }, cache), { progress: sink });
  const built = statSync(join(cache, 'train', 'blocks.bin')).mtimeMs;
  await runPretrain(config({ max_steps: 1 }, cache), { progress: sink });
  assert.equal(statSync(join(cache, 'train', 'blocks.bin')).mtimeMs, built);
  const meta = JSON.parse(readFileSync(join(cache, 'train', 'meta.json'), 'utf8')) as { documents: number; blocks: number };
  assert.equal(meta.documents, 120);
  writeFileSync(join(dir, 'val.txt'), `${readFileSync(join(dir, 'val.txt'), 'utf8')}\none more line.`);
  await runPretrain(config({ max_steps: 1 }, cache), { progress: sink });
  assert.equal(statSync(join(cache, 'train', 'blocks.bin')).mtimeMs, built, 'the training cache did not change');
  assert.equal((JSON.parse(readFileSync(join(cache, 'validation', 'meta.json'), 'utf8')) as { documents: number }).documents, 9);
});

test('a run resumed from its step-2 checkpoint logs the same losses as the uninterrupted run', async () => {
  const full = config({ max_steps: 4, save_steps: 2 });
  const a = await runPretrain(full, { progress: sink });
  const resumed = await runPretrain(RunConfig.parse({ ...full, training: { ...full.training, output_dir: mkdtempSync(join(tmpdir(), 'pretrain-res-')) } }), { progress: sink, resume: join(full.training.output_dir, 'checkpoint-2') });
  for (const step of [3, 4]) {
    const x = a.losses.get(step) as number;
    const y = resumed.losses.get(step) as number;
    assert.ok(Math.abs(x - y) < 1e-6, `step ${step}: ${x} vs ${y}`);
  }
});
