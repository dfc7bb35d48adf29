/** rlhf config schema / validate, called in-process with captured output. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runConfig } from '../../src/cli/config-command.js';
import { RunConfig } from '../../src/config/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(...args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runConfig(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('validate: 0 for a valid file, 1 with every problem, 2 for bad usage', () => {
  const ok = run('validate', join(root, 'examples/configs/dpo.yaml'), '--set', 'dpo.beta=0.2');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /dpo\.yaml: ok \(training\.algorithm dpo/);

  const dir = mkdtempSync(join(tmpdir(), 'rlhf-config-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'model:\n  name_or_path: m\ntraining:\n  learnig_rate: 1e-5\n  seed: x\ndata: {dataset_path: d}\n');
  const r = run('validate', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: training\\.learnig_rate is not a known key; did you mean training\\.learning_rate\\?`));
  assert.match(r.err, /:5: training\.seed: expected a non-negative integer, got "x"/);
  assert.match(r.err, /2 problems$/);

  assert.equal(run('validate', join(root, 'examples/configs/sft.yaml'), '--set', 'training.seed=oops').code, 1);
  assert.equal(run('validate').code, 2);
  assert.equal(run('validate', 'a.yaml', 'b.yaml').code, 2);
  assert.equal(run('validate', 'a.yaml', '--bogus').code, 2);
  assert.equal(run('frobnicate').code, 2);
  assert.match(run('validate', join(dir, 'missing.yaml')).err, /cannot read the config/);
});

test('validate --print shows the resolved config', () => {
  const r = run('validate', join(root, 'examples/configs/grpo.yaml'), '--print', '--set', 'grpo.group_size=2');
  assert.equal(r.code, 0, r.err);
  const printed = RunConfig.parse(parse(r.out));
  assert.equal(printed.grpo.group_size, 2);
});

test('schema prints documented YAML with defaults that is itself valid once required keys are set', () => {
  const r = run('schema');
  assert.equal(r.code, 0);
  assert.match(r.out, /# Peak learning rate \(after warm-up\)\.\n {2}learning_rate: 0\.00001 {2}# a positive number/);
  assert.match(r.out, /^distributed:$/m);
  const doc = parse(r.out) as { model: { name_or_path: unknown }; data: { dataset_path: unknown } };
  doc.model.name_or_path = 'm';
  doc.data.dataset_path = 'd.jsonl';
  assert.equal(RunConfig.safeParse(doc).success, true);

  const json = JSON.parse(run('schema', '--json').out) as { properties: Record<string, unknown> };
  assert.ok(json.properties.training);
});
