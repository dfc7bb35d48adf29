/** Loading a checkpoint builds the model without drawing initial weights, and the loaded tensors become its parameters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatentPrmModel, SequenceScoreModel, TokenClassifierModel, loadCausalLm } from '../../src/models/index.js';
import { loadCheckpoint } from '../../src/io/index.js';
import { manualSeed, randn, tidy } from '../../src/tensor/index.js';
import { withEmptyInit } from '../../src/nn/empty-init.js';
import { Linear } from '../../src/nn/index.js';

const TINY_QWEN2 = 'test/fixtures/models/tiny-qwen2';

test('loadCausalLm draws no random numbers: the RNG stream after loading is the one before it', () => {
  manualSeed(5);
  const expected = tidy(() => randn([4]).toArray());
  manualSeed(5);
  const lm = loadCausalLm(TINY_QWEN2);
  const after = tidy(() => randn([4]).toArray());
  lm.dispose();
  assert.deepEqual(after, expected);
});

test('GPT-2, reward, token-classifier and latent-PRM loads draw only the heads a checkpoint lacks', () => {
  const draws = (load: () => { dispose(): void }): boolean => {
    manualSeed(5);
    const expected = tidy(() => randn([4]).toArray());
    manualSeed(5);
    load().dispose();
    return JSON.stringify(tidy(() => randn([4]).toArray())) !== JSON.stringify(expected);
  };
  assert.equal(draws(() => loadCausalLm('test/fixtures/models/tiny-gpt2')), false, 'gpt2');
  assert.equal(draws(() => SequenceScoreModel.fromPretrained('test/fixtures/models/tiny-qwen2-rm')), false, 'a saved reward model');
  // From a causal LM the new heads are drawn (as transformers initialises them), nothing else.
  assert.equal(draws(() => SequenceScoreModel.fromPretrained(TINY_QWEN2)), true, 'a new score head');
  assert.equal(draws(() => TokenClassifierModel.fromPretrained(TINY_QWEN2, { numLabels: 2 })), true, 'a new token head');
  const prm = LatentPrmModel.fromPretrained(TINY_QWEN2, { latentDim: 16 });
  assert.equal(prm.inputProj?.bias?.abs().max().item(), 0, 'fresh biases are zero');
  assert.ok((prm.head.namedParameters().find(([n]) => n === 'dense.weight')?.[1].abs().max().item() ?? 0) > 0, 'the fresh head is drawn');
  prm.dispose();
});

test('every parameter equals the checkpoint tensor of its name, bit for bit', () => {
  const lm = loadCausalLm(TINY_QWEN2);
  const state = loadCheckpoint(TINY_QWEN2);
  for (const [name, p] of lm.namedParameters()) {
    const t = state.get(name);
    assert.ok(t !== undefined, name);
    assert.ok(p.equal(t), `${name} differs from the checkpoint`);
  }
  for (const t of state.values()) t.dispose();
  lm.dispose();
});

test('withEmptyInit skips the draw; outside it a Linear is drawn from the RNG as before', () => {
  manualSeed(1);
  withEmptyInit(() => new Linear(3, 2)).dispose();
  const afterEmpty = tidy(() => randn([2]).toArray());
  manualSeed(1);
  assert.deepEqual(afterEmpty, tidy(() => randn([2]).toArray()), 'an empty-init Linear consumed no random numbers');
  manualSeed(1);
  const drawn = new Linear(3, 2);
  manualSeed(1);
  const again = new Linear(3, 2);
  assert.ok(drawn.weight.equal(again.weight), 'the usual init is seeded and repeatable');
  assert.ok(drawn.weight.abs().max().item() > 0);
  drawn.dispose();
  again.dispose();
});
