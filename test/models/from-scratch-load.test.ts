/** Starting a run from config.json alone: loadCausalLm's fromScratch, seeded; model.init in the config. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { CausalLM, Gpt2LMHeadModel, gpt2Config, loadCausalLm, type PretrainedCausalLm } from '../../src/models/index.js';

const ARITH = 'examples/models/arith-tiny';
const values = (m: PretrainedCausalLm) => new Map(m.namedParameters().map(([k, p]) => [k, p.flatValues() as number[]]));

test('from scratch: the same seed gives the same weights, another seed other weights, with N(0, initializer_range) matrices', () => {
  const [a, b, c] = [loadCausalLm(ARITH, { fromScratch: true, seed: 1 }), loadCausalLm(ARITH, { fromScratch: true, seed: 1 }), loadCausalLm(ARITH, { fromScratch: true, seed: 2 })];
  assert.ok(a instanceof CausalLM);
  assert.equal(a.training, false, 'starts in eval mode, like a loaded model');
  assert.equal(a.config.vocabSize, 17);
  assert.equal(a.config.numLayers, 3);
  const [va, vb, vc] = [values(a), values(b), values(c)];
  assert.deepEqual([...va.keys()], [...vc.keys()]);
  for (const [k, x] of va) {
    assert.deepEqual(vb.get(k), x, `${k} differs under the same seed`);
    if (k.endsWith('norm.weight')) assert.ok(x.every((v) => v === 1), `${k} is not ones`);
    else if (k.endsWith('.bias')) assert.ok(x.every((v) => v === 0), `${k} is not zeros`);
    else assert.notDeepEqual(vc.get(k), x, `${k} is the same under another seed`);
  }
  // embed_tokens is 17 x 128 = 2176 draws of N(0, 0.02): the sample std is within a few percent.
  const emb = va.get('model.embed_tokens.weight') as number[];
  const std = Math.sqrt(emb.reduce((s, v) => s + v * v, 0) / emb.length);
  assert.ok(Math.abs(std - 0.02) < 0.002, `std ${std}`);
  for (const m of [a, b, c]) m.dispose();
});

test('from scratch works for GPT-2 configs and dtypes; without the flag a directory without weights is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratch-'));
  const cfg = gpt2Config({ vocabSize: 11, nEmbd: 16, nLayer: 1, nHead: 2, nPositions: 8 });
  const template = new Gpt2LMHeadModel(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(template.hfConfig('float32')));
  template.dispose();
  const g = loadCausalLm(dir, { fromScratch: true, seed: 0, dtype: 'bfloat16' });
  assert.ok(g instanceof Gpt2LMHeadModel);
  assert.equal(g.namedParameters()[0]?.[1].dtype, 'bfloat16');
  g.dispose();
  assert.throws(() => loadCausalLm(ARITH), /no checkpoint found: expected model\.safetensors/);
});

test('model.init: pretrained by default; from_scratch only with sft and without LoRA', () => {
  const base = { model: { name_or_path: ARITH }, data: { dataset_path: 'x.jsonl' } };
  assert.equal(RunConfig.parse(base).model.init, 'pretrained');
  assert.equal(RunConfig.parse({ ...base, model: { name_or_path: ARITH, init: 'from_scratch' } }).model.init, 'from_scratch');
  const problems = (input: unknown) => RunConfig.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  assert.deepEqual(problems({ ...base, model: { name_or_path: ARITH, init: 'from_scratch' }, training: { algorithm: 'dpo' } }), [
    'model.init: model.init from_scratch works with training.algorithm sft, pretrain, mlm, not dpo; start the others from a trained model directory',
  ]);
  assert.deepEqual(problems({ ...base, model: { name_or_path: ARITH, init: 'from_scratch' }, lora: { enabled: true } }), [
    'lora.enabled: lora.enabled trains adapters on a frozen base, but model.init is from_scratch: the base would stay random',
  ]);
  assert.match(problems({ ...base, model: { name_or_path: ARITH, init: 'random' } })[0] ?? '', /model\.init/);
});
