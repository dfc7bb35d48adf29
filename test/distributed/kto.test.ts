/**
 * KTO data-parallel: the reference point z0 is averaged across ranks before the clamp (TRL's
 * gather_for_metrics(kl).mean().clamp(min=0)). 2 ranks x batch 4 through `rlhf train`; the first
 * logged loss and kl equal an in-process computation of the two ranks' first micro-batches with
 * the gathered z0, and differ from the per-rank z0 a missing gather would give.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { distributedShard, loadUnpairedPreferences, padIdOf, shuffledIndices, type UnpairedPreferenceExample } from '../../src/data/index.js';
import { loadCausalLm } from '../../src/models/index.js';
import { noGrad, tidy } from '../../src/tensor/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';
import { ktoAlgorithm } from '../../src/trainers/kto/index.js';
import { freePort, rankEnv } from '../helpers/distributed.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const CLI = 'dist/src/cli/main.js';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RLHF_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('kto: 2 ranks average z0 across ranks; the first logged loss and kl are the gathered ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kto-ddp-'));
  // The policy starts from tiny-qwen2 with the perturbed weights, away from its reference (tiny-qwen2).
  const start = join(dir, 'perturbed');
  mkdirSync(start);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(MODEL, f), join(start, f));
  copyFileSync(join(MODEL, 'policy-perturbed.safetensors'), join(start, 'model.safetensors'));
  const words = 'one two three four five six seven eight nine ten'.split(' ');
  const rows = Array.from({ length: 8 }, (_, i) => ({ prompt: `Count to ${i + 1}.`, completion: i % 3 === 0 ? 'No.' : `${words.slice(0, i + 2).join(' ')}.`, label: i % 3 !== 0 }));
  const data = join(dir, 'kto.jsonl');
  writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = join(dir, 'out');
  const raw = {
    model: { name_or_path: start },
    training: { algorithm: 'kto', output_dir: out, learning_rate: 1e-4, max_steps: 1, per_device_train_batch_size: 4, logging_steps: 1, save_steps: 100, seed: 11, warmup_steps: 0 },
    data: { max_length: 64, max_prompt_length: 32, datasets: { unpaired_preference: { train_files: [{ path: data }] } } },
    kto: { beta: 2, ref_model_path: MODEL },
  };
  const path = join(dir, 'config.yaml');
  writeFileSync(path, JSON.stringify(raw));
  const port = await freePort();
  const ranks = await Promise.all([0, 1].map((rank) => run(['train', '--config', path], rankEnv(rank, 2, port))));
  for (const r of ranks) assert.equal(r.code, 0, r.output);
  const logged = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).find((r) => r['loss'] !== undefined);

  // The same first micro-batches in process: rank r walks distributedShard(shuffledIndices(8, seed), r, 2).
  const config = RunConfig.parse(raw);
  const tokenizer = Tokenizer.fromPretrained(MODEL);
  const examples = await loadUnpairedPreferences(config, tokenizer, 'train');
  const order = shuffledIndices(examples.length, 11);
  const shards = [0, 1].map((r) => distributedShard(order, r, 2).slice(0, 4).map((i) => examples[i] as UnpairedPreferenceExample));
  const policy = loadCausalLm(start);
  policy.train();
  const reference = loadCausalLm(MODEL);
  const lossWith = (batch: UnpairedPreferenceExample[], gatherMean: (m: number) => number) => {
    const algo = ktoAlgorithm(policy, { reference, padTokenId: padIdOf(tokenizer), beta: 2, maxLength: 64, gatherMean });
    return tidy(() => noGrad(() => algo.loss(batch).loss.item()));
  };
  const local: number[] = [];
  shards.forEach((s) => lossWith(s, (m) => (local.push(m), m)));
  const gathered = (local[0]! + local[1]!) / 2;
  const loss = (shards.map((s) => lossWith(s, () => gathered)).reduce((a, b) => a + b, 0)) / 8;
  const ungathered = (shards.map((s, r) => lossWith(s, () => local[r]!)).reduce((a, b) => a + b, 0)) / 8;
  assert.ok(Math.abs(local[0]! - local[1]!) > 0.01 && gathered > 0, `the ranks' KL means differ and average above 0: ${local}`);
  assert.ok(Math.abs(loss - ungathered) > 1e-4, `the test tells a gathered z0 from per-rank ones: ${loss} vs ${ungathered}`);
  assert.ok(Math.abs((logged?.['kl'] as number) - gathered) < 1e-5, `logged kl ${logged?.['kl']} vs gathered ${gathered}`);
  assert.ok(Math.abs((logged?.['loss'] as number) - loss) < 1e-5, `logged loss ${logged?.['loss']} vs ${loss} (per-rank z0 would give ${ungathered})`);
});
