/** Module: names, buffers, state dicts, freezing and memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linear, Module } from '../../src/nn/index.js';
import { memory, ones, randn, zeros, type Tensor } from '../../src/index.js';
import { scoped } from '../helpers/assert.js';
import { snapshot, TinyLm } from './tiny-model.js';

const LAYER0 = [
  'model.layers.0', 'model.layers.0.input_layernorm', 'model.layers.0.self_attn', 'model.layers.0.self_attn.q_proj',
  'model.layers.0.self_attn.v_proj', 'model.layers.0.mlp', 'model.layers.0.mlp.up_proj', 'model.layers.0.mlp.down_proj',
];

test('namedModules lists the root as "" and every sub-module by dotted path, depth first', scoped(() => {
  const m = new TinyLm();
  const names = m.namedModules().map(([n]) => n);
  assert.deepEqual(names, [
    '', 'model', 'model.layers', ...LAYER0, ...LAYER0.map((n) => n.replace('.0', '.1')), 'model.norm', 'lm_head',
  ]);
  assert.equal(m.namedModules()[0]?.[1], m);
  assert.deepEqual(m.getSubmodule('model').namedModules('model').map(([n]) => n).slice(0, 3), ['model', 'model.layers', 'model.layers.0']);
  m.dispose();
}));

test('getSubmodule walks dotted paths and names the step that failed', scoped(() => {
  const m = new TinyLm();
  assert.equal(m.getSubmodule(''), m);
  assert.equal(m.getSubmodule('lm_head'), m.head);
  assert.equal(m.getSubmodule('model.layers.1.self_attn.q_proj'), m.model.layers.items[1]?.attn.q);
  assert.throws(() => m.getSubmodule('model.layers.7.mlp'), {
    message: "getSubmodule('model.layers.7.mlp'): 'model.layers' has no sub-module '7' (it has: 0, 1)",
  });
  assert.throws(() => m.getSubmodule('decoder'), /the root module has no sub-module 'decoder' \(it has: model, lm_head\)/);
  m.dispose();
}));

test('persistent buffers are in stateDict, non-persistent ones only in namedBuffers; neither is a parameter', scoped(() => {
  const m = new TinyLm();
  const sd = m.stateDict();
  assert.ok(sd.has('model.embed_scale'));
  assert.ok(!sd.has('model.rope_cache'));
  assert.deepEqual(m.namedBuffers().map(([n]) => n), ['model.embed_scale', 'model.rope_cache']);
  const params = new Set(m.parameters());
  for (const [, b] of m.namedBuffers()) assert.ok(!params.has(b));
  assert.equal(sd.size, m.namedParameters().length + 1);
  m.freeze().unfreeze();
  assert.equal(m.model.scale.requiresGrad, false, 'unfreeze leaves buffers alone');
  m.dispose();
}));

test('stateDict round-trips through loadStateDict, buffers included', scoped(() => {
  const a = new TinyLm();
  const b = new TinyLm();
  a.model.scale.fill_(3);
  const result = b.loadStateDict(a.stateDict());
  assert.deepEqual(result, { missing: [], unexpected: [] });
  for (const [k, t] of a.stateDict()) assert.ok(t.equal(b.stateDict().get(k) as Tensor), k);
  a.dispose();
  b.dispose();
}));

test('loadStateDict lists every missing key, unexpected key and shape mismatch in one error, and loads nothing', scoped(() => {
  const m = new TinyLm();
  const before = snapshot(m);
  const state = snapshot(m);
  state.delete('lm_head.weight');
  state.delete('model.embed_scale');
  state.set('model.layers.0.self_attn.k_proj.weight', zeros([8, 8]));
  state.set('model.norm.weight', ones([9]));
  state.set('model.layers.1.mlp.up_proj.weight', zeros([16, 8])); // right shape: would be copied
  assert.throws(() => m.loadStateDict(state), {
    message: 'loadStateDict: nothing was loaded:\n'
      + '  missing keys (2): model.embed_scale, lm_head.weight\n'
      + '  unexpected keys (1): model.layers.0.self_attn.k_proj.weight\n'
      + '  shape mismatches (1): model.norm.weight: checkpoint [9], model [8]',
  });
  for (const [k, t] of m.stateDict()) assert.ok(t.equal(before.get(k) as Tensor), `${k} unchanged`);

  // Non-strict: missing and unexpected keys are returned, shape mismatches still throw.
  assert.throws(() => m.loadStateDict(state, { strict: false }), /shape mismatches \(1\): model\.norm\.weight/);
  state.set('model.norm.weight', ones([8]).mul(2));
  const result = m.loadStateDict(state, { strict: false });
  assert.deepEqual(result, { missing: ['model.embed_scale', 'lm_head.weight'], unexpected: ['model.layers.0.self_attn.k_proj.weight'] });
  assert.deepEqual(m.model.norm.weight.toArray(), Array(8).fill(2));
  assert.equal(m.model.layers.items[1]?.mlp.up.weight.abs().sum().item(), 0);
  // The older boolean form still works.
  assert.doesNotThrow(() => m.loadStateDict(state, false));
  m.dispose(); // the copies in `before` and `state` go with the test's tidy()
}));

test('loadStateDict takes a plain object too', scoped(() => {
  const lin = new Linear(2, 3);
  lin.loadStateDict({ weight: zeros([3, 2]), bias: ones([3]) });
  assert.deepEqual(lin.forward(ones([1, 2])).toArray(), [[1, 1, 1]]);
  lin.dispose();
}));

test('freeze, unfreeze and trainableParameters act on a subtree', scoped(() => {
  const m = new TinyLm();
  const all = m.parameters().length;
  assert.equal(m.trainableParameters().length, all);
  m.getSubmodule('model.layers.0').freeze();
  const frozen = new Set(m.getSubmodule('model.layers.0').parameters());
  assert.equal(m.trainableParameters().length, all - frozen.size);
  for (const p of m.trainableParameters()) assert.ok(!frozen.has(p));
  assert.equal(m.numParameters({ trainableOnly: true }), m.numParameters() - [...frozen].reduce((n, p) => n + p.numel, 0));
  m.freeze();
  assert.equal(m.trainableParameters().length, 0);
  m.getSubmodule('lm_head').unfreeze();
  assert.deepEqual(m.trainableParameters(), [m.head.weight]);
  m.dispose();
}));

test('a tensor registered under two names (tied weights) is one parameter but two state dict keys', scoped(() => {
  class Tied extends Module {
    readonly a: Tensor;
    constructor() {
      super();
      this.a = this.param('a', randn([2]));
      this.param('b', this.a);
    }
  }
  const m = new Tied();
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['a']);
  assert.deepEqual([...m.stateDict().keys()], ['a', 'b']);
  m.dispose();
}));

test('a name can hold one thing, and registerModule/removeModule add and detach sub-modules', scoped(() => {
  const lin = new Linear(2, 2);
  const extra = lin.registerModule('extra', new Linear(2, 1));
  assert.deepEqual(lin.namedParameters().map(([n]) => n), ['weight', 'bias', 'extra.weight', 'extra.bias']);
  const spare = new Linear(1, 1);
  assert.throws(() => lin.registerModule('weight', spare), /'weight' is already registered as a parameter/);
  assert.throws(() => lin.registerModule('a.b', spare), /must be non-empty and contain no '\.'/);
  spare.dispose();
  assert.equal(lin.removeModule('extra'), extra);
  assert.equal(lin.removeModule('extra'), undefined);
  assert.deepEqual(lin.namedParameters().map(([n]) => n), ['weight', 'bias']);
  extra.dispose();
  lin.dispose();
}));

test('train()/eval() reach every sub-module', scoped(() => {
  const m = new TinyLm();
  m.eval();
  assert.ok(m.namedModules().every(([, x]) => !x.training));
  m.train();
  assert.ok(m.namedModules().every(([, x]) => x.training));
  m.dispose();
}));

test('dispose frees every parameter and buffer', () => {
  const before = memory().numTensors;
  const m = new TinyLm();
  assert.ok(memory().numTensors > before);
  m.dispose();
  assert.equal(memory().numTensors, before);
});
