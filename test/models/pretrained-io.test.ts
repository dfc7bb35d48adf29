/** savePretrained / fromPretrained round trips and the errors a bad directory gets. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';
import { readSafetensorsMetadata, loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { CausalLM, decoderConfig, fromPretrained, savePretrained } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { modelDir } from './model-fixtures.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'rlhf-models-'));

for (const name of ['tiny-qwen2', 'tiny-llama'] as const) {
  test(`${name}: save -> load is bit-exact, with transformers' keys and config`, scoped(() => {
    const lm = fromPretrained(modelDir(name));
    const out = tmp();
    savePretrained(lm, out);
    const original = readSafetensorsMetadata(`${modelDir(name)}/model.safetensors`);
    const saved = readSafetensorsMetadata(join(out, 'model.safetensors'));
    assert.deepEqual([...saved.tensors.keys()].sort(), [...original.tensors.keys()].sort());
    assert.deepEqual(saved.metadata, { format: 'pt' });
    assert.deepEqual(readFileSync(join(out, 'model.safetensors')), readFileSync(`${modelDir(name)}/model.safetensors`));
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    const orig = JSON.parse(readFileSync(`${modelDir(name)}/config.json`, 'utf8')) as Record<string, unknown>;
    for (const key of ['model_type', 'vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
      'num_key_value_heads', 'rms_norm_eps', 'rope_theta', 'tie_word_embeddings', 'architectures', 'eos_token_id', 'pad_token_id']) {
      assert.deepEqual(cfg[key], orig[key], key);
    }
    const back = fromPretrained(out);
    const ids = tensor([[382, 285, 354, 316, 4]], { dtype: 'int64' });
    assert.ok(back.forward({ inputIds: ids }).logits.equal(lm.forward({ inputIds: ids }).logits));
    lm.dispose();
    back.dispose();
  }));
}

test('sharded save writes an index and loads back the same weights', scoped(() => {
  const lm = CausalLM.fromConfig(decoderConfig({ vocabSize: 64, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2 }));
  const out = tmp();
  savePretrained(lm, out, { maxShardBytes: 20_000, generationConfig: { max_new_tokens: 8 } });
  const files = readdirSync(out).sort();
  assert.ok(files.includes('model.safetensors.index.json'));
  assert.ok(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length >= 2, files.join(', '));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'generation_config.json'), 'utf8')), { max_new_tokens: 8 });
  const back = fromPretrained(out);
  for (const [name, p] of lm.namedParameters()) {
    const q = back.stateDict().get(name);
    assert.ok(q !== undefined && q.equal(p), name);
  }
  lm.dispose();
  back.dispose();
}));

test('a missing config.json, an unknown model_type and mismatched shapes are named', scoped(() => {
  const empty = tmp();
  assert.throws(() => fromPretrained(empty), new RegExp(`${join(empty, 'config.json')}: not found`));

  const unknown = tmp();
  writeFileSync(join(unknown, 'config.json'), JSON.stringify({ model_type: 'bert' }));
  assert.throws(() => fromPretrained(unknown), /config\.json: model_type 'bert' is not supported; supported: llama, qwen2, mistral/);

  const mismatched = tmp();
  cpSync(modelDir('tiny-qwen2'), mismatched, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(mismatched, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(mismatched, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 128 }));
  assert.throws(
    () => fromPretrained(mismatched),
    /model\.safetensors: the checkpoint does not match the model: 'model\.layers\.0\.mlp\.gate_proj\.weight' is \[176,64\] in the checkpoint but \[128,64\] by config\.json/,
  );

  const partial = tmp();
  cpSync(modelDir('tiny-qwen2'), partial, { recursive: true });
  const state = loadSafetensors(join(partial, 'model.safetensors'));
  state.get('model.norm.weight')?.dispose();
  state.delete('model.norm.weight');
  saveSafetensors(join(partial, 'model.safetensors'), state, { format: 'pt' });
  for (const t of state.values()) t.dispose();
  assert.throws(() => fromPretrained(partial), /missing keys: model\.norm\.weight/);
}));
