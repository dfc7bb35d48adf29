/**
 * prepareRun, the start every algorithm shares: model.tokenizer_name_or_path is the tokenizer
 * the data is tokenized with (sft, reward, dpo), model.dtype is the dtype weights train and are
 * saved in (float16 on the CPU refused before anything loads), and model.cache_dir finds a hub
 * id in a Hugging Face cache laid out as huggingface-cli writes it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { RunConfig } from '../../../src/config/index.js';
import { loadSftExamples } from '../../../src/data/index.js';
import { locatePretrained } from '../../../src/io/index.js';
import { readSafetensorsMetadata } from '../../../src/io/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { prepareRun } from '../../../src/trainers/loop/index.js';
import { runDpo } from '../../../src/trainers/dpo/index.js';
import { runReward } from '../../../src/trainers/reward/index.js';
import { runSft } from '../../../src/trainers/sft/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

/** The fixture's tokenizer with its non-special vocabulary ids reversed (same texts, other ids), and that id map. */
function permutedTokenizer(): { dir: string; idMap: Map<number, number> } {
  const dir = mkdtempSync(join(tmpdir(), 'tok-permuted-'));
  const tok = JSON.parse(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  const special = new Set(tok.added_tokens.map((t) => t.id));
  const ids = Object.values(tok.model.vocab).filter((id) => !special.has(id)).sort((a, b) => a - b);
  const reversed = new Map(ids.map((id, i) => [id, ids[ids.length - 1 - i] as number]));
  for (const [token, id] of Object.entries(tok.model.vocab)) tok.model.vocab[token] = reversed.get(id) ?? id;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok));
  for (const f of TOKENIZER_FILES.slice(1)) copyFileSync(join(MODEL, f), join(dir, f));
  return { dir, idMap: reversed };
}

/** A copy of the fixture model whose own tokenizer is `tokenizerDir`'s. */
function modelWithTokenizer(tokenizerDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'model-tok-'));
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors']) copyFileSync(join(MODEL, f), join(dir, f));
  for (const f of TOKENIZER_FILES) copyFileSync(join(tokenizerDir, f), join(dir, f));
  return dir;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prepare-data-'));
  const count = (n: number) => 'one two three four'.split(' ').slice(0, n + 1).join(' ');
  writeFileSync(join(dir, 'sft.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Count to ${i % 4}.`, response: `${count(i % 4)}.` })).join('\n'));
  writeFileSync(join(dir, 'pref.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Count to ${i % 4}.`, chosen: `${count(i % 4)}.`, rejected: `${count((i + 1) % 4)} five.` })).join('\n'));
  return dir;
}
const DATA = dataDir();

function config(algorithm: 'sft' | 'reward' | 'dpo', model: Record<string, unknown>, training: Record<string, unknown> = {}): RunConfig {
  const kind = algorithm === 'sft' ? 'sft' : 'preference';
  return RunConfig.parse({
    model,
    training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), `prepare-${algorithm}-`)), learning_rate: 1e-3, max_steps: 2, per_device_train_batch_size: 4, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 3, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { [kind]: { train_files: [{ path: join(DATA, kind === 'sft' ? 'sft.jsonl' : 'pref.jsonl') }] } } },
  });
}

const RUNS = { sft: runSft, reward: runReward, dpo: runDpo } as const;
/** The first logged loss; for DPO, whose first loss is ln 2 whatever the data (policy = reference), the first chosen log-prob. */
async function firstLoss(c: RunConfig): Promise<number> {
  await RUNS[c.training.algorithm as keyof typeof RUNS](c, { progress: sink });
  const key = c.training.algorithm === 'dpo' ? 'logps/chosen' : 'loss';
  return readMetrics(join(c.training.output_dir, 'metrics.jsonl')).find((r) => r[key] !== undefined)?.[key] as number;
}

test('prepareRun loads model.tokenizer_name_or_path, not the model directory\'s tokenizer', async () => {
  const { dir: permuted, idMap } = permutedTokenizer();
  const c = config('sft', { name_or_path: MODEL, tokenizer_name_or_path: permuted });
  const run = prepareRun(c);
  assert.equal(run.tokenizerDir, resolve(permuted));
  const own = prepareRun(config('sft', { name_or_path: MODEL }));
  const [withPermuted, withOwn] = [await loadSftExamples(run.config, run.tokenizer(), 'train'), await loadSftExamples(own.config, own.tokenizer(), 'train')];
  assert.equal(withPermuted.length, 8);
  // Every example's ids are the model tokenizer's ids sent through the permutation (specials unchanged).
  withOwn.forEach((e, i) => assert.deepEqual(withPermuted[i]?.inputIds, e.inputIds.map((id) => idMap.get(id) ?? id)));
  assert.notDeepEqual(withPermuted[0]?.inputIds, withOwn[0]?.inputIds);
});

for (const algorithm of ['sft', 'reward', 'dpo'] as const) {
  test(`${algorithm}: model.tokenizer_name_or_path tokenizes the data (first loss as with that tokenizer in the model dir) and is copied into the output`, async () => {
    const { dir: permuted } = permutedTokenizer();
    const viaKey = config(algorithm, { name_or_path: MODEL, tokenizer_name_or_path: permuted });
    const inModelDir = config(algorithm, { name_or_path: modelWithTokenizer(permuted) });
    const own = config(algorithm, { name_or_path: MODEL });
    const [a, b, o] = [await firstLoss(viaKey), await firstLoss(inModelDir), await firstLoss(own)];
    assert.ok(Number.isFinite(a), `loss ${a}`);
    assert.equal(a, b, 'tokenizer_name_or_path gives the loss of the same tokenizer in the model directory');
    assert.notEqual(a, o, 'and not the loss of the model directory\'s own tokenizer');
    assert.equal(readFileSync(join(viaKey.training.output_dir, 'tokenizer.json'), 'utf8'), readFileSync(join(permuted, 'tokenizer.json'), 'utf8'));
  });
}

test('model.dtype bfloat16: the model trains in bfloat16 with finite losses and is saved as BF16', async () => {
  const c = config('sft', { name_or_path: MODEL, dtype: 'bfloat16' }, { max_steps: 3 });
  await runSft(c, { progress: sink });
  const losses = readMetrics(join(c.training.output_dir, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined).map((r) => r['loss'] as number);
  assert.equal(losses.length, 3);
  for (const l of losses) assert.ok(Number.isFinite(l) && l > 0, `loss ${l}`);
  assert.ok((losses[2] as number) < (losses[0] as number), `bfloat16 training lowers the loss: ${losses.join(', ')}`);
  // The same first loss as in float32 up to bfloat16's 8-bit mantissa (a float32 model would match to 1e-6).
  const float32 = await firstLoss(config('sft', { name_or_path: MODEL }, { max_steps: 1 }));
  assert.ok(Math.abs((losses[0] as number) - float32) < 0.02 * float32 && losses[0] !== float32, `bfloat16 ${losses[0]} vs float32 ${float32}`);
  const header = readSafetensorsMetadata(join(c.training.output_dir, 'model.safetensors'));
  const dtypes = new Set([...header.tensors.values()].map((t) => t.dtype));
  assert.deepEqual([...dtypes], ['bfloat16']);
  assert.equal(JSON.parse(readFileSync(join(c.training.output_dir, 'config.json'), 'utf8')).dtype, 'bfloat16');
});

test('model.dtype float16 on the CPU is refused before anything loads or is written, with the fix', async () => {
  const c = config('sft', { name_or_path: MODEL, dtype: 'float16' }, { device: 'cpu' });
  await assert.rejects(runSft(c, { progress: sink }), /model\.dtype is float16, but the run trains on the CPU.*set model\.dtype: bfloat16/);
  assert.equal(existsSync(join(c.training.output_dir, 'resolved_config.yaml')), false);
});

/** A Hugging Face hub cache holding the fixture as `org/tiny` (refs/main -> snapshot `abc123`, plus a stale snapshot). */
function hubCache(): string {
  const cache = mkdtempSync(join(tmpdir(), 'hf-hub-'));
  const repo = join(cache, 'models--org--tiny');
  for (const rev of ['abc123', 'old999']) {
    mkdirSync(join(repo, 'snapshots', rev), { recursive: true });
    for (const f of readdirSync(MODEL)) copyFileSync(join(MODEL, f), join(repo, 'snapshots', rev, f));
  }
  mkdirSync(join(repo, 'refs'));
  writeFileSync(join(repo, 'refs', 'main'), 'abc123\n');
  return cache;
}

test('model.cache_dir: a hub id resolves to the refs/main snapshot of the cache; $HF_HUB_CACHE and $HF_HOME/hub are the defaults', () => {
  const cache = hubCache();
  const snapshot = join(cache, 'models--org--tiny', 'snapshots', 'abc123');
  const run = prepareRun(config('sft', { name_or_path: 'org/tiny', cache_dir: cache }));
  assert.equal(run.modelDir, snapshot);
  assert.equal(run.tokenizerDir, snapshot);
  assert.equal(run.config.model.name_or_path, snapshot);
  assert.equal(locatePretrained('org/tiny', { cacheDir: null, key: 'k', env: { HF_HUB_CACHE: cache } }), snapshot);
  const home = mkdtempSync(join(tmpdir(), 'hf-home-'));
  mkdirSync(join(home, 'hub'));
  assert.throws(() => locatePretrained('org/tiny', { cacheDir: null, key: 'k', env: { HF_HOME: home } }), new RegExp(`${join(home, 'hub', 'models--org--tiny')}/snapshots/ does not exist`));
  // An existing directory is itself, whatever the cache holds.
  assert.equal(locatePretrained(MODEL, { cacheDir: cache, key: 'k' }), resolve(MODEL));
});

test('model.cache_dir: a hub id missing from the cache fails naming the key, where it looked and that rlhf-ts does not download', () => {
  const cache = hubCache();
  assert.throws(
    () => prepareRun(config('sft', { name_or_path: MODEL, tokenizer_name_or_path: 'org/absent', cache_dir: cache })),
    (err: Error) => {
      assert.match(err.message, /^model\.tokenizer_name_or_path: 'org\/absent' is neither a directory/);
      assert.ok(err.message.includes(join(cache, 'models--org--absent')), err.message);
      assert.match(err.message, /does not download models: fetch it with `huggingface-cli download org\/absent`/);
      return true;
    },
  );
});

test('model.cache_dir: sft trains a hub id from the cache', async () => {
  const c = config('sft', { name_or_path: 'org/tiny', cache_dir: hubCache() }, { max_steps: 1 });
  const loss = await firstLoss(c);
  const own = await firstLoss(config('sft', { name_or_path: MODEL }, { max_steps: 1 }));
  assert.equal(loss, own);
});
