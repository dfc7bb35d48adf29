/** LoRA: targeting by name, the zero-init identity, adapter-only training, merge/unmerge, removal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyLora, expandTargetModules, findLoraTargets, loraConfig, loraLayers, loraScaling, mergeLora, removeLora, unmergeLora,
} from '../../src/nn/lora.js';
import { Linear, Module } from '../../src/nn/index.js';
import { manualSeed, noGrad, type DType, type Tensor } from '../../src/index.js';
import { AdamW } from '../../src/optim/index.js';
import { scoped } from '../helpers/assert.js';
import { HIDDEN, input, snapshot, TinyLm } from './tiny-model.js';

const ATTN = [
  'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj',
  'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj',
];
const ALL_LINEAR = [
  'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.0.mlp.up_proj', 'model.layers.0.mlp.down_proj',
  'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj', 'model.layers.1.mlp.up_proj', 'model.layers.1.mlp.down_proj',
];

const maxAbsDiff = (a: Tensor, b: Tensor): number => a.sub(b).abs().max().item();

/** Gives every lora_B random values, as training would. */
function randomizeB(model: Module): void {
  noGrad(() => {
    for (const { adapter } of loraLayers(model)) adapter.loraB.weight.normal_(0, 0.1);
  });
}

test('name patterns pick exactly the layers PEFT would', scoped(() => {
  const m = new TinyLm();
  assert.deepEqual(findLoraTargets(m, ['q_proj', 'v_proj']), ATTN);
  assert.deepEqual(findLoraTargets(m, ['mlp.up_proj']), ['model.layers.0.mlp.up_proj', 'model.layers.1.mlp.up_proj']);
  assert.deepEqual(findLoraTargets(m, ['layers.1.mlp.down_proj']), ['model.layers.1.mlp.down_proj']);
  assert.deepEqual(findLoraTargets(m, ['lm_head']), ['lm_head'], 'an exact name');
  assert.deepEqual(findLoraTargets(m, 'all-linear'), ALL_LINEAR, 'all-linear skips lm_head');
  assert.deepEqual(expandTargetModules(m, 'all-linear'), ['down_proj', 'q_proj', 'up_proj', 'v_proj']);
  assert.deepEqual(findLoraTargets(m, String.raw`.*\.1\.self_attn\.(q|v)_proj`), ATTN.slice(2), 'a regex matches the whole name');
  // A suffix must follow a '.': 'proj' is not 'q_proj'.
  assert.throws(() => findLoraTargets(m, ['proj']), /matches no module; the model's Linear layers are named: q_proj, v_proj, up_proj, down_proj, lm_head/);
  assert.throws(() => findLoraTargets(m, ['self_attn']), /picks modules that are not Linear or Conv1D layers: model\.layers\.0\.self_attn \(Attention\)/);
  m.dispose();
}));

test('applyLora adds lora_A (in→r, kaiming-uniform) and lora_B (r→out, zeros) and freezes everything else', scoped(() => {
  const m = new TinyLm();
  const names = applyLora(m, { r: 4, alpha: 8, targetModules: 'all-linear' });
  assert.deepEqual(names, ALL_LINEAR);
  assert.deepEqual(loraLayers(m).map((l) => l.name), ALL_LINEAR);
  const trainable = m.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
  assert.deepEqual(trainable, ALL_LINEAR.flatMap((n) => [`${n}.lora_A.weight`, `${n}.lora_B.weight`]));
  assert.equal(m.head.adapter, null);
  for (const { layer, adapter } of loraLayers(m)) {
    assert.deepEqual(adapter.loraA.weight.shape, [4, layer.inFeatures]);
    assert.deepEqual(adapter.loraB.weight.shape, [layer.outFeatures, 4]);
    assert.equal(adapter.loraA.bias, null);
    assert.equal(adapter.loraB.weight.abs().sum().item(), 0);
    assert.ok(adapter.loraA.weight.abs().max().item() <= 1 / Math.sqrt(layer.inFeatures));
    assert.ok(adapter.loraA.weight.abs().sum().item() > 0);
    assert.equal(adapter.scaling, 2);
  }
  assert.throws(() => applyLora(m, { targetModules: ['q_proj'] }), /already has LoRA adapters \(on model\.layers\.0\.self_attn\.q_proj, \.\.\.\); call removeLora/);
  m.dispose();
}));

test('with B at zero the outputs are bit-identical to the model without LoRA, even with dropout', scoped(() => {
  manualSeed(1);
  const m = new TinyLm();
  const x = input();
  const before = m.forward(x);
  applyLora(m, { r: 4, alpha: 16, dropout: 0.3, targetModules: 'all-linear' });
  assert.ok(m.forward(x).equal(before));
  m.eval();
  assert.ok(m.forward(x).equal(before));
  m.dispose();
}));

test('forward is base(x) + B·A·x · scaling, with alpha/r or rsLoRA alpha/√r', scoped(() => {
  assert.equal(loraScaling({ r: 4, alpha: 16, useRslora: false }), 4);
  assert.equal(loraScaling({ r: 4, alpha: 16, useRslora: true }), 8);
  for (const useRslora of [false, true]) {
    const m = new TinyLm();
    applyLora(m, { r: 4, alpha: 16, useRslora, targetModules: ['lm_head'] });
    randomizeB(m);
    const h = m.model.forward(input());
    const { layer, adapter } = loraLayers(m)[0]!;
    const manual = h.matmul(layer.weight.transpose(0, 1)).add(h.matmul(adapter.loraA.weight.transpose(0, 1)).matmul(adapter.loraB.weight.transpose(0, 1)).mul(useRslora ? 8 : 4));
    assert.ok(maxAbsDiff(layer.forward(h), manual) < 1e-6);
    m.dispose();
  }
}));

test('dropout acts on the adapter input in training mode only', scoped(() => {
  const m = new TinyLm();
  applyLora(m, { r: 4, dropout: 0.5, targetModules: ['lm_head'] });
  randomizeB(m);
  const x = input();
  assert.ok(!m.forward(x).equal(m.forward(x)), 'two training forwards drop different inputs');
  m.eval();
  assert.ok(m.forward(x).equal(m.forward(x)));
  m.dispose();
}));

test('a few AdamW steps change every lora_A and lora_B and leave all base weights bit-identical', scoped(() => {
  manualSeed(2);
  const m = new TinyLm();
  const base = snapshot(m);
  applyLora(m, { r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'mlp.up_proj'] });
  const loraStart = new Map(m.namedParameters().filter(([n]) => n.includes('.lora_')).map(([n, p]) => [n, p.clone()]));
  assert.equal(loraStart.size, 12);
  const opt = new AdamW(m.trainableParameters(), { lr: 1e-2 });
  const x = input();
  for (let step = 0; step < 3; step++) {
    m.forward(x).square().mean().backward();
    opt.step();
    opt.zeroGrad();
  }
  for (const [name, p] of m.stateDict()) {
    const start = loraStart.get(name) ?? base.get(name);
    assert.ok(start, name);
    if (loraStart.has(name)) assert.ok(!p.equal(start), `${name} should have changed`);
    else {
      assert.ok(p.equal(start), `${name} should be bit-identical`);
      assert.equal(p.grad, null, `${name} should have no gradient`);
    }
  }
  opt.dispose();
  m.dispose();
}));

test('mergeLora folds B·A·scaling into the weights; unmergeLora restores them', scoped(() => {
  manualSeed(3);
  const m = new TinyLm();
  const base = snapshot(m);
  applyLora(m, { r: 4, alpha: 16, targetModules: 'all-linear' });
  randomizeB(m);
  const x = input();
  const unmerged = m.forward(x);
  mergeLora(m);
  mergeLora(m); // a second merge is a no-op
  for (const { name, layer, adapter } of loraLayers(m)) {
    assert.ok(adapter.merged);
    const expected = (base.get(`${name}.weight`) as Tensor).add(adapter.loraB.weight.matmul(adapter.loraA.weight).mul(4));
    assert.ok(maxAbsDiff(layer.weight, expected) < 1e-6, name);
  }
  assert.ok(maxAbsDiff(m.forward(x), unmerged) < 1e-5);
  unmergeLora(m);
  for (const { name, layer } of loraLayers(m)) assert.ok(maxAbsDiff(layer.weight, base.get(`${name}.weight`) as Tensor) < 1e-6, name);
  assert.ok(maxAbsDiff(m.forward(x), unmerged) < 1e-6);
  m.dispose();
}));

test('removeLora restores the plain model, or keeps the update with merge: true', scoped(() => {
  manualSeed(4);
  const m = new TinyLm();
  const keys = [...m.stateDict().keys()];
  const base = snapshot(m);
  const x = input();
  const plainOut = m.forward(x);
  applyLora(m, { r: 2, targetModules: ['q_proj'] });
  randomizeB(m);
  mergeLora(m);
  assert.deepEqual(removeLora(m), ATTN.filter((n) => n.endsWith('q_proj')), 'removal unmerges first');
  assert.deepEqual([...m.stateDict().keys()], keys);
  for (const [k, t] of m.stateDict()) assert.ok(maxAbsDiff(t, base.get(k) as Tensor) < 1e-6, `${k} restored`);
  assert.ok(m.namedModules().every(([, mod]) => !(mod instanceof Linear) || mod.adapter === null));

  applyLora(m, { r: 2, targetModules: ['q_proj'] });
  randomizeB(m);
  const adapted = m.forward(x);
  removeLora(m, { merge: true });
  assert.deepEqual([...m.stateDict().keys()], keys);
  assert.ok(maxAbsDiff(m.forward(x), adapted) < 1e-5, 'the update stays in the weights');
  assert.ok(maxAbsDiff(m.forward(x), plainOut) > 1e-3);
  m.dispose();
}));

test('loraConfig fills PEFT defaults and rejects bad values, quoting them', () => {
  assert.deepEqual(loraConfig({ targetModules: ['q_proj'] }), { r: 8, alpha: 8, dropout: 0, useRslora: false, targetModules: ['q_proj'] });
  assert.throws(() => loraConfig({ r: 0, targetModules: ['q_proj'] }), /r \(0\) must be a positive integer/);
  assert.throws(() => loraConfig({ r: 2.5, targetModules: ['q_proj'] }), /r \(2\.5\) must be a positive integer/);
  assert.throws(() => loraConfig({ alpha: -1, targetModules: ['q_proj'] }), /alpha \(-1\) must be a positive number/);
  assert.throws(() => loraConfig({ dropout: 1, targetModules: ['q_proj'] }), /dropout \(1\) must be in \[0, 1\)/);
  assert.throws(() => loraConfig({ targetModules: [] }), /must be a non-empty list of names, 'all-linear' or a regex/);
  assert.throws(() => loraConfig({ targetModules: '(q_proj' }), /'\(q_proj' is not a valid regular expression/);
});

class Holder extends Module {
  readonly proj: Linear;
  constructor(dtype: DType) {
    super();
    this.proj = this.child('proj', new Linear(HIDDEN, 3, { dtype }));
  }
}

test('adapters are float32 beside a 16-bit base (as PEFT) and take the base dtype otherwise', scoped(() => {
  for (const [dtype, adapterDtype] of [['bfloat16', 'float32'], ['float64', 'float64'], ['float32', 'float32']] as const) {
    const m = new Holder(dtype);
    const x = input().to(dtype);
    const before = m.proj.forward(x);
    applyLora(m, { r: 2, targetModules: ['proj'] });
    const { adapter } = loraLayers(m)[0]!;
    assert.equal(adapter.loraA.weight.dtype, adapterDtype);
    assert.equal(adapter.loraB.weight.dtype, adapterDtype);
    const after = m.proj.forward(x);
    assert.equal(after.dtype, dtype);
    assert.ok(after.equal(before), `${dtype}: zero B leaves the output unchanged`);
    m.dispose();
  }
}));
