/** The run config: YAML lines in errors, typo suggestions, overrides, defaults, examples. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS, ConfigError, documentedYaml, levenshtein, loadConfig, nearest, parseConfig, RunConfig, writeResolvedConfig } from '../../src/config/index.js';
import { errorOf, noEnv } from '../helpers/config-error.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MINIMAL = 'model:\n  name_or_path: m\ndata:\n  dataset_path: d.jsonl\n';


test('a wrong type names the file, the YAML line, the path and the value', () => {
  const text = `${MINIMAL}training:\n  seed: 1\n  learning_rate: abc\n`;
  const err = errorOf(text, { ...noEnv, file: 'config.yaml' });
  assert.equal(err.message, 'config.yaml:7: training.learning_rate: expected a positive number, got "abc"');
  assert.deepEqual(err.issues.map((i) => [i.line, i.path]), [[7, 'training.learning_rate']]);
});

test('a mistyped key suggests the nearest sibling', () => {
  const err = errorOf(`${MINIMAL}training:\n  learnig_rate: 1e-5\n`);
  assert.equal(err.message, 'config.yaml:6: training.learnig_rate is not a known key; did you mean training.learning_rate?');
  const far = errorOf(`${MINIMAL}dpo:\n  zzzzzz: 1\n`);
  assert.match(far.message, /dpo\.zzzzzz is not a known key; known keys in dpo: beta, loss_type/);
  const section = errorOf(`${MINIMAL}trainig:\n  seed: 1\n`);
  assert.match(section.message, /config\.yaml:5: trainig is not a known key; did you mean training\?/);
});

test('out-of-range values and bad enum members quote the value and the range', () => {
  const err = errorOf(`${MINIMAL}grpo:\n  group_size: 1\ngeneration:\n  top_p: 1.5\ndpo:\n  loss_type: sigmod\n`);
  assert.deepEqual(err.message.split('\n'), [
    'config.yaml:6: grpo.group_size: expected an integer >= 2, got 1',
    'config.yaml:8: generation.top_p: expected a number in (0, 1], got 1.5',
    'config.yaml:10: dpo.loss_type: expected one of sigmoid | ipo | hinge | robust | sft | exo_pair | nca_pair | bco_pair | sppo_hard | aot | aot_unpaired | apo_zero | apo_down | discopop | sigmoid_norm, got "sigmod"',
  ]);
});

test('every error is collected and reported together, in line order', () => {
  const text = [
    'model:', //                      1
    '  name_or_path: m', //           2
    'training:', //                   3
    '  num_epochs: 1.5', //           4
    '  per_device_train_batchsize: 4', // 5
    '  seed: -3', //                  6
    'data:', //                       7
    '  dataset_path: d.jsonl', //     8
    '  datasets:', //                 9
    '    sft:', //                    10
    '      train_files:', //          11
    '        - {path: a.jsonl, weight: 0}', // 12
    '  on_error: ignore', //          13
    'logging: {level: verbose}', //   14
  ].join('\n');
  const err = errorOf(text);
  assert.deepEqual(err.issues.map((i) => `${i.line} ${i.path}`), [
    '4 training.num_epochs',
    '5 training.per_device_train_batchsize',
    '6 training.seed',
    '12 data.datasets.sft.train_files[0].weight',
    '13 data.on_error',
    '14 logging.level',
  ]);
  assert.match(err.message, /training\.per_device_train_batchsize is not a known key; did you mean training\.per_device_train_batch_size\?/);
});

test('a missing required key and invalid YAML are reported with lines', () => {
  assert.match(errorOf('data:\n  dataset_path: d\n').message, /model is required: expected a mapping/);
  assert.match(errorOf('model:\n  cache_dir: c\ndata: {dataset_path: d}\n').message, /config\.yaml:1: model\.name_or_path is required: expected a non-empty string/);
  assert.match(errorOf('model:\n  name_or_path: [\n').message, /^config\.yaml:\d+: invalid YAML/);
  assert.match(errorOf('model: {name_or_path: m}\nmodel: {name_or_path: n}\n').message, /invalid YAML: .*unique/i);
});

test('cross-field checks quote both values', () => {
  const err = errorOf(`${MINIMAL}  max_length: 64\n  max_prompt_length: 64\ntraining:\n  algorithm: ppo\n  warmup_steps: 10\n  warmup_ratio: 0.1\n`);
  assert.match(err.message, /config\.yaml:6: data\.max_prompt_length \(64\) must be below data\.max_length \(64\)/);
  assert.match(err.message, /config\.yaml:9: set warmup_steps \(10\) or warmup_ratio \(0\.1\), not both/);
  assert.match(err.message, /training\.algorithm is ppo: set ppo\.reward_model_path \(a reward model directory\) or rewards\.functions/);
  assert.match(errorOf('model: {name_or_path: m}\n').message, /no training data: set data\.dataset_path or data\.datasets\.<kind>\.train_files/);
});

test('defaults fill every section', () => {
  const c = parseConfig(MINIMAL, noEnv);
  assert.equal(c.training.algorithm, 'sft');
  assert.equal(c.training.learning_rate, 1e-5);
  assert.equal(c.training.max_steps, -1);
  assert.equal(c.dpo.loss_type, 'sigmoid');
  assert.equal(c.grpo.group_size, 8);
  assert.deepEqual(c.online_dpo, { beta: 0.1, loss_type: 'sigmoid', missing_eos_penalty: null, ref_model_path: null, reward_model_path: null });
  assert.deepEqual(c.data.merge_config, { strategy: 'concat', shuffle: true });
  assert.equal(c.data.on_error, 'fail');
  assert.equal(c.logging.level, 'info');
  assert.deepEqual(c.distributed, { enabled: true, strategy: 'ddp', backend: 'auto', timeout: 1800, bucket_cap_mb: 25, find_unused_parameters: false });
  assert.deepEqual(c.lora, { enabled: false, r: 8, alpha: 16, dropout: 0, target_modules: 'all-linear', use_rslora: false });
  assert.equal(c.training.metric_for_best_model, 'eval/loss');
  assert.equal(c.training.early_stopping_patience, 0);
  assert.equal(c.evaluation.checkpoints, null);
  assert.equal(c.evaluation.bleu_tokenizer, 'auto');
  assert.deepEqual(Object.keys(c), ['model', 'lora', 'training', 'data', 'sft', 'reward', 'dpo', 'orpo', 'cpo', 'gkd', 'kto', 'ppo', 'grpo', 'online_dpo', 'rloo', 'reinforce_pp', 'rewards', 'environment', 'prm', 'critic', 'pretrain', 'mlm', 'contrastive', 'generation', 'evaluation', 'logging', 'distributed']);
  // The schema itself agrees with the loader.
  assert.deepEqual(RunConfig.parse({ model: { name_or_path: 'm' }, data: { dataset_path: 'd.jsonl' } }), c);
});

test('--set overrides parse YAML scalars and win over the environment, which wins over the file', () => {
  const text = `${MINIMAL}training:\n  learning_rate: 1.0e-3\n  seed: 1\n`;
  const env = { RLHF_CONFIG__TRAINING__LEARNING_RATE: '2e-5', RLHF_CONFIG__TRAINING__SEED: '7', RLHF_CONFIG__DPO__LOSS_TYPE: 'ipo', OTHER: 'x' };
  const c = parseConfig(text, { env, overrides: ['training.learning_rate=3e-5', 'data.merge_config.shuffle=false', 'sft.packing=true', 'dpo.ref_model_path='] });
  assert.equal(c.training.learning_rate, 3e-5);
  assert.equal(c.training.seed, 7);
  assert.equal(c.dpo.loss_type, 'ipo');
  assert.equal(c.data.merge_config.shuffle, false);
  assert.equal(c.sft.packing, true);
  assert.equal(c.dpo.ref_model_path, null);
  const lists = parseConfig(MINIMAL, { env: {}, overrides: ['data.datasets.sft.train_files=[{path: a.jsonl, weight: 2}]'] });
  assert.deepEqual(lists.data.datasets.sft?.train_files, [{ path: 'a.jsonl', weight: 2, name: null }]);
});

test('errors from overrides name the override instead of a line', () => {
  const err = errorOf(MINIMAL, {
    env: { RLHF_CONFIG__DPO__BETA: 'strong' },
    overrides: ['training.learnig_rate=1e-5', 'grpo.group_size=1', 'no-equals-sign', 'model.name_or_path.x=1'],
  });
  assert.deepEqual(err.message.split('\n'), [
    'env RLHF_CONFIG__DPO__BETA: dpo.beta: expected a positive number, got "strong"',
    '--set training.learnig_rate=1e-5: training.learnig_rate is not a known key; did you mean training.learning_rate?',
    '--set grpo.group_size=1: grpo.group_size: expected an integer >= 2, got 1',
    '--set no-equals-sign: expected section.key=value (e.g. training.learning_rate=1e-5), got "no-equals-sign"',
    '--set model.name_or_path.x=1: cannot set model.name_or_path.x: model.name_or_path is "m", not a mapping',
  ]);
});

test('a Python-framework config validates unchanged; its distributed keys fold into distributed:', () => {
  const c = loadConfig(join(root, 'test/fixtures/config/python_style.yaml'), noEnv);
  assert.equal(c.training.algorithm, 'ppo');
  assert.equal(c.logging.level, 'info');
  assert.deepEqual(c.distributed, { enabled: false, strategy: 'ddp', backend: 'nccl', timeout: 1800, bucket_cap_mb: 25, find_unused_parameters: false });
  assert.equal('distributed_backend' in c.training, false);
  assert.equal(c.data.datasets.sft?.train_files[1]?.weight, 0.5);
  assert.equal(c.data.merge_config.strategy, 'weighted_sampling');
  const clash = errorOf(`${MINIMAL}training:\n  distributed: true\ndistributed:\n  enabled: false\n`);
  assert.match(clash.message, /config\.yaml:6: training\.distributed \(true\) contradicts distributed\.enabled \(false\)/);
});

test('every example config validates, and every algorithm has one', () => {
  const dir = join(root, 'examples/configs');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const covered = new Set<string>();
  for (const f of files) {
    const c = loadConfig(join(dir, f), noEnv);
    covered.add(c.training.algorithm);
    // File names say the algorithm: sft.yaml, prm-latent.yaml, arith-grpo.yaml, ... (contrastive ones their method: simclr.yaml, moco.yaml).
    const says = c.training.algorithm === 'contrastive' ? c.contrastive.method : c.training.algorithm;
    assert.ok(f.replace('.yaml', '').split('-').includes(says), `${f} runs ${c.training.algorithm}`);
  }
  assert.deepEqual([...covered].sort(), [...ALGORITHMS].sort());
});

test('resolved_config.yaml loads back to the same config', () => {
  const c = loadConfig(join(root, 'examples/configs/ppo.yaml'), { env: {}, overrides: ['training.seed=3'] });
  const out = mkdtempSync(join(tmpdir(), 'rlhf-config-'));
  const file = writeResolvedConfig(out, c);
  assert.equal(file, join(out, 'resolved_config.yaml'));
  assert.match(readFileSync(file, 'utf8'), /^# The run config/);
  assert.deepEqual(loadConfig(file, noEnv), c);
});

test('levenshtein and nearest', () => {
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(nearest('learnig_rate', ['seed', 'learning_rate']), 'learning_rate');
  assert.equal(nearest('xyz', ['learning_rate']), undefined);
});

test('docs/config.md carries the current schema reference', () => {
  const doc = readFileSync(join(root, 'docs/config.md'), 'utf8');
  assert.ok(doc.includes(documentedYaml()), 'docs/config.md is stale: regenerate its Reference block with `node dist/src/cli/main.js config schema`');
});
