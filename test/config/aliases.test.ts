/** Config aliases (one table, folded before validation) and settings refused at start-up. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_ALIASES, documentedYaml, loadConfig, parseConfig, RunConfig, runConfigJsonSchema } from '../../src/config/index.js';
import { errorOf, noEnv } from '../helpers/config-error.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = 'data:\n  dataset_path: d.jsonl\n';


test('the alias table: every alias names a real key, none is itself a key', () => {
  assert.deepEqual(CONFIG_ALIASES.map((a) => `${a.alias} -> ${a.key}`), [
    'model.name -> model.name_or_path',
    'model.model_name_or_path -> model.name_or_path',
    'sft.max_length -> data.max_length',
    'gkd.temperature -> generation.temperature',
    'gkd.max_new_tokens -> generation.max_new_tokens',
    'training.distributed -> distributed.enabled',
    'training.distributed_strategy -> distributed.strategy',
    'training.distributed_backend -> distributed.backend',
  ]);
  // Aliases are not schema keys: a resolved config never carries them.
  const c = parseConfig(`model: {name: m}\nsft: {max_length: 640}\n${DATA}`, noEnv);
  assert.equal('name' in c.model, false);
  assert.equal('max_length' in c.sft, false);
});

test('model.name alone is the model directory', () => {
  const c = parseConfig(`model:\n  name: models/tiny\n${DATA}`, noEnv);
  assert.equal(c.model.name_or_path, 'models/tiny');
});

test('model.model_name_or_path alone is the model directory', () => {
  const c = parseConfig(`model:\n  model_name_or_path: models/hf\n${DATA}`, noEnv);
  assert.equal(c.model.name_or_path, 'models/hf');
});

test('sft.max_length sets data.max_length', () => {
  const c = parseConfig(`model: {name_or_path: m}\nsft:\n  max_length: 1024\n  packing: true\n${DATA}`, noEnv);
  assert.equal(c.data.max_length, 1024);
  assert.equal(c.sft.packing, true);
  // Cross-field checks see the folded value.
  const err = errorOf(`model: {name_or_path: m}\nsft: {max_length: 100}\ndata: {dataset_path: d, max_prompt_length: 200}\n`);
  assert.match(err.message, /data\.max_prompt_length \(200\) must be below data\.max_length \(100\)/);
});

test('training.distributed* set distributed:', () => {
  const c = parseConfig(`model: {name_or_path: m}\ntraining:\n  distributed: false\n  distributed_strategy: fsdp\n  distributed_backend: mpi\n${DATA}`, noEnv);
  assert.deepEqual(c.distributed, { enabled: false, strategy: 'fsdp', backend: 'mpi', timeout: 1800, bucket_cap_mb: 25, find_unused_parameters: false });
  assert.equal('distributed' in c.training, false);
});

test('an alias and its key agreeing is fine; disagreeing is an error quoting both paths and values', () => {
  const same = parseConfig(`model:\n  name: m\n  name_or_path: m\n  model_name_or_path: m\n${DATA}`, noEnv);
  assert.equal(same.model.name_or_path, 'm');
  const cases: [string, RegExp][] = [
    [`model:\n  name_or_path: a\n  name: b\n${DATA}`, /^config\.yaml:3: model\.name \("b"\) contradicts model\.name_or_path \("a"\); model\.name is an alias of model\.name_or_path: set one$/],
    [`model:\n  name_or_path: a\n  model_name_or_path: c\n${DATA}`, /^config\.yaml:3: model\.model_name_or_path \("c"\) contradicts model\.name_or_path \("a"\)/],
    // Two aliases of one key: the second names the first.
    [`model:\n  name: b\n  model_name_or_path: c\n${DATA}`, /^config\.yaml:3: model\.model_name_or_path \("c"\) contradicts model\.name \("b"\)/],
    [`model: {name_or_path: m}\nsft:\n  max_length: 640\ndata:\n  dataset_path: d\n  max_length: 1280\n`, /^config\.yaml:3: sft\.max_length \(640\) contradicts data\.max_length \(1280\)/],
    [`model: {name_or_path: m}\ntraining:\n  distributed_backend: nccl\ndistributed:\n  backend: gloo\n${DATA}`, /^config\.yaml:3: training\.distributed_backend \("nccl"\) contradicts distributed\.backend \("gloo"\)/],
  ];
  for (const [text, expected] of cases) assert.match(errorOf(text).message, expected, text);
});

test('overrides follow the usual precedence over aliases in the file, and may use an alias themselves', () => {
  const text = `model:\n  name: from-file\n${DATA}`;
  assert.equal(parseConfig(text, { env: {}, overrides: ['model.name_or_path=from-set'] }).model.name_or_path, 'from-set');
  assert.equal(parseConfig(text, { env: { RLHF_CONFIG__MODEL__NAME_OR_PATH: 'from-env' } }).model.name_or_path, 'from-env');
  assert.equal(parseConfig(`model: {name_or_path: a}\n${DATA}`, { env: {}, overrides: ['model.model_name_or_path=b'] }).model.name_or_path, 'b');
  assert.equal(parseConfig(`model: {name_or_path: m}\ndata: {dataset_path: d, max_length: 999}\n`, { env: {}, overrides: ['sft.max_length=777'] }).data.max_length, 777);
  // Both on the command line and different: an error naming the override.
  const err = errorOf(`model: {name_or_path: m}\n${DATA}`, { env: {}, overrides: ['model.name=a', 'model.name_or_path=b'] });
  assert.match(err.message, /^--set model\.name=a: model\.name \("a"\) contradicts model\.name_or_path \("b"\)/);
});

test("a bad value given through an alias is reported at the alias's line, under both names", () => {
  const err = errorOf(`model: {name_or_path: m}\n${DATA}sft:\n  max_length: 2.5\n`);
  assert.match(err.message, /^config\.yaml:5: data\.max_length: expected a positive integer, got 2\.5 \(given as sft\.max_length\)$/m);
  const empty = errorOf(`model:\n  name: ""\n${DATA}`);
  assert.equal(empty.message, 'config.yaml:2: model.name_or_path: expected a non-empty string, got "" (given as model.name)');
});

test("the Python framework's per-algorithm configs validate as written", () => {
  const dir = join(root, 'test/fixtures/config/seed');
  const sft = loadConfig(join(dir, 'sft.yaml'), noEnv);
  assert.equal(sft.model.name_or_path, 'test/fixtures/models/tiny-qwen2');
  assert.equal(sft.data.max_length, 1024);
  assert.deepEqual(sft.distributed, { enabled: false, strategy: 'ddp', backend: 'nccl', timeout: 1800, bucket_cap_mb: 25, find_unused_parameters: false });
  const dpo = loadConfig(join(dir, 'dpo.yaml'), noEnv);
  assert.equal(dpo.model.name_or_path, 'Qwen/Qwen2.5-0.5B-Instruct');
  assert.equal(dpo.training.algorithm, 'dpo');
  const grpo = loadConfig(join(dir, 'grpo.yaml'), noEnv);
  assert.equal(grpo.model.name_or_path, 'test/fixtures/models/tiny-qwen2');
});

test('rlhf config schema lists every alias; the JSON Schema accepts them with their key\'s type', () => {
  const doc = documentedYaml();
  for (const a of CONFIG_ALIASES) assert.ok(doc.includes(`#   ${a.alias} -> ${a.key}: ${a.origin}`), a.alias);
  const json = runConfigJsonSchema();
  const model = json.properties?.['model']?.properties;
  assert.equal(model?.['name']?.['x-alias-of'], 'model.name_or_path');
  assert.equal(model?.['name']?.type, 'string');
  assert.equal(json.properties?.['sft']?.properties?.['max_length']?.type, 'integer');
  assert.equal(json.properties?.['training']?.properties?.['distributed']?.type, 'boolean');
});

test('distributed: keys validate in any combination; strategy and backend are checked when several processes start', () => {
  const c = parseConfig(`model: {name_or_path: m}\n${DATA}distributed:\n  enabled: true\n  backend: nccl\n  timeout: 30\n`, noEnv);
  assert.deepEqual(c.distributed, { enabled: true, strategy: 'ddp', backend: 'nccl', timeout: 30, bucket_cap_mb: 25, find_unused_parameters: false });
  assert.match(errorOf(`model: {name_or_path: m}\n${DATA}distributed:\n  timeout: 0\n`).message, /^config\.yaml:\d+: distributed\.timeout/);
});
