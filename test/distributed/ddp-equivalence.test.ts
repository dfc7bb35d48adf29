/**
 * Data parallelism on c10d (TCPStore + Gloo over loopback), end to end through `rlhf train`:
 * 2 ranks x batch 4 take the same 5 updates as 1 rank x batch 8 (PyTorch's own DDP test), for
 * SFT (token-normalised), reward (sequence-normalised) and DPO (each rank its own reference),
 * and the logged losses are the global ones.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSafetensors } from '../../src/io/index.js';
import { dispose } from '../../src/tensor/index.js';
import { freePort, rankEnv } from '../helpers/distributed.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const CLI = 'dist/src/cli/main.js';

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ddp-data-'));
  const words = 'one two three four five six seven eight nine ten'.split(' ');
  const count = (n: number) => words.slice(0, n + 1).join(' ');
  writeFileSync(join(dir, 'sft.jsonl'), Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Count to ${(i % 7) + 1}.`, response: `${count(i % 9)}.` })).join('\n'));
  writeFileSync(
    join(dir, 'pref.jsonl'),
    Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Count to ${i % 5}.`, chosen: `${count(i % 5)}.`, rejected: `${count((i + 2) % 7)} and more.` })).join('\n'),
  );
  return dir;
}
const DATA = dataDir();

function writeConfig(algorithm: 'sft' | 'reward' | 'dpo', batch: number, distributed: Record<string, unknown> = {}, training: Record<string, unknown> = {}): { path: string; out: string } {
  const out = mkdtempSync(join(tmpdir(), `ddp-${algorithm}-${batch}-`));
  const kind = algorithm === 'sft' ? 'sft' : 'preference';
  const config = {
    model: { name_or_path: MODEL },
    training: { algorithm, output_dir: out, learning_rate: 5e-4, max_steps: 5, per_device_train_batch_size: batch, logging_steps: 1, save_steps: 100, seed: 5, warmup_steps: 0, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { [kind]: { train_files: [{ path: join(DATA, kind === 'sft' ? 'sft.jsonl' : 'pref.jsonl') }] } } },
    distributed,
  };
  const path = join(out, 'config.yaml');
  writeFileSync(path, JSON.stringify(config));
  return { path, out };
}

interface Exit {
  code: number | null;
  output: string;
}

function run(args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RLHF_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Starts `worldSize` ranks of `rlhf train` with torchrun's environment. */
async function launch(configPath: string, worldSize: number, extraEnv: (rank: number) => Record<string, string> = () => ({})): Promise<Exit[]> {
  const port = await freePort();
  return Promise.all(
    Array.from({ length: worldSize }, (_, rank) =>
      run(['train', '--config', configPath], { ...rankEnv(rank, worldSize, port), ...extraEnv(rank) }),
    ),
  );
}

function maxDiff(a: string, b: string): { max: number; moved: number } {
  const x = loadSafetensors(a);
  const y = loadSafetensors(b);
  const init = loadSafetensors(join(MODEL, 'model.safetensors'));
  let max = 0;
  let moved = 0;
  try {
    assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort());
    for (const [name, t] of x) {
      max = Math.max(max, t.sub(y.get(name)!).abs().max().item());
      const before = init.get(name);
      if (before !== undefined) moved = Math.max(moved, t.sub(before).abs().max().item());
    }
  } finally {
    dispose([...x.values(), ...y.values(), ...init.values()]);
  }
  return { max, moved };
}

function losses(out: string): number[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((r) => typeof r['loss'] === 'number')
    .map((r) => r['loss'] as number);
}

for (const algorithm of ['sft', 'reward', 'dpo'] as const) {
  test(`${algorithm}: 2 ranks x batch 4 train the same parameters as 1 rank x batch 8 (5 steps, within 1e-5)`, async () => {
    const one = writeConfig(algorithm, 8);
    const two = writeConfig(algorithm, 4);
    const [single, ranks] = await Promise.all([run(['train', '--config', one.path], {}), launch(two.path, 2)]);
    assert.equal(single.code, 0, single.output);
    for (const r of ranks) assert.equal(r.code, 0, r.output);
    assert.match(ranks[0]!.output, /trained 5 steps/);
    const file = 'model.safetensors';
    const { max, moved } = maxDiff(join(one.out, file), join(two.out, file));
    assert.ok(moved > 1e-3, `training moved the weights by ${moved} only`);
    assert.ok(max <= 1e-5, `2 x 4 differs from 1 x 8 by ${max}`);
    const [l1, l2] = [losses(one.out), losses(two.out)];
    assert.equal(l2.length, 5);
    l1.forEach((l, i) => assert.ok(Math.abs(l - l2[i]!) < 1e-5, `step ${i + 1} loss ${l2[i]} vs ${l}`));
  });
}

test('two `rlhf launch --nnodes 2` on loopback (one worker each) train together: the same parameters as 1 rank x batch 8', async () => {
  const one = writeConfig('sft', 8);
  const two = writeConfig('sft', 4);
  const port = String(await freePort());
  const node = (k: number) => run(['launch', '--nproc-per-node', '1', '--nnodes', '2', '--node-rank', String(k), '--master-addr', '127.0.0.1', '--master-port', port, '--', 'train', '--config', two.path], {});
  const [single, ...nodes] = await Promise.all([run(['train', '--config', one.path], {}), node(0), node(1)]);
  assert.equal(single.code, 0, single.output);
  for (const n of nodes) assert.equal(n.code, 0, n.output);
  assert.match(nodes[0]!.output, /\[rank0\]: trained 5 steps/);
  assert.match(nodes[1]!.output, /\[rank1\]: trained 5 steps/);
  const { max } = maxDiff(join(one.out, 'model.safetensors'), join(two.out, 'model.safetensors'));
  assert.ok(max <= 1e-5, `2 nodes x 4 differ from 1 x 8 by ${max}`);
});

test('zero1: 2 ranks x batch 4 with sharded AdamW state train as 1 x 8, and the checkpoint holds the consolidated state of the single process', async () => {
  const one = writeConfig('sft', 8);
  const two = writeConfig('sft', 4, { strategy: 'zero1' });
  const [single, ranks] = await Promise.all([run(['train', '--config', one.path], {}), launch(two.path, 2)]);
  assert.equal(single.code, 0, single.output);
  for (const r of ranks) assert.equal(r.code, 0, r.output);
  const { max, moved } = maxDiff(join(one.out, 'model.safetensors'), join(two.out, 'model.safetensors'));
  assert.ok(moved > 1e-3 && max <= 1e-5, `zero1 2 x 4 differs from 1 x 8 by ${max} (moved ${moved})`);
  const [a, b] = [loadSafetensors(join(one.out, 'checkpoint-5', 'optimizer.safetensors')), loadSafetensors(join(two.out, 'checkpoint-5', 'optimizer.safetensors'))];
  try {
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    assert.ok(a.size >= 2 * 20, `${a.size} state tensors`);
    let worst = 0;
    for (const [name, t] of a) worst = Math.max(worst, t.sub(b.get(name)!).abs().max().item() / Math.max(1e-12, t.abs().max().item()));
    assert.ok(worst <= 1e-3, `optimizer state differs by ${worst} (relative to each tensor's largest)`);
  } finally {
    dispose([...a.values(), ...b.values()]);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(two.out, 'checkpoint-5', 'optimizer.json'), 'utf8')), JSON.parse(readFileSync(join(one.out, 'checkpoint-5', 'optimizer.json'), 'utf8')));
});

test('gradient checkpointing on 2 ranks: the bucketed all-reduce fires during the layer replays, same parameters as 1 x 8 without it', async () => {
  const one = writeConfig('sft', 8);
  const two = writeConfig('sft', 4, {}, { gradient_checkpointing: true });
  const [single, ranks] = await Promise.all([run(['train', '--config', one.path], {}), launch(two.path, 2)]);
  assert.equal(single.code, 0, single.output);
  for (const r of ranks) assert.equal(r.code, 0, r.output);
  const { max, moved } = maxDiff(join(one.out, 'model.safetensors'), join(two.out, 'model.safetensors'));
  assert.ok(moved > 1e-3 && max <= 1e-5, `2 x 4 with checkpointing differs from 1 x 8 by ${max}`);
});
