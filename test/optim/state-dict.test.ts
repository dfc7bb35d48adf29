import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispose, memory, tensor, tidy, type Tensor } from '../../src/index.js';
import {
  Adam,
  AdamW,
  joinStateDict,
  SGD,
  splitStateDict,
  type OptimizerOptions,
  type OptimizerStateDict,
} from '../../src/optim/index.js';
import { flat, setGrad } from './reference.js';

type AnyOptimizer = AdamW | Adam | SGD;

const GRADS = [
  [[0.3, -1.2, 0.7], [2.0, -0.4]],
  [[-0.5, 0.9, 0.1], [0.6, 1.1]],
  [[1.4, 0.2, -0.8], [-0.3, 0.05]],
  [[0.05, -0.6, 0.33], [0.9, -1.7]],
  [[-1.1, 0.45, 0.2], [0.15, 0.8]],
];

function makeParams(): Tensor[] {
  return [
    tensor([0.1, -0.2, 0.3], { dtype: 'float32', requiresGrad: true }),
    tensor([1.5, -2.5], { dtype: 'float32', requiresGrad: true }),
  ];
}
function stepWith(opt: AnyOptimizer, params: Tensor[], step: number): void {
  params.forEach((p, i) => setGrad(p, GRADS[step]![i]!));
  tidy(() => opt.step()); // as in a training loop: state must survive the scope
  opt.zeroGrad();
}
function copyParams(params: Tensor[]): Tensor[] {
  return params.map((p) => p.detach().clone().requiresGrad_(true));
}

const builders: [string, (ps: Tensor[]) => AnyOptimizer][] = [
  ['AdamW', (ps) => new AdamW([{ params: [ps[0]!] }, { params: [ps[1]!], weightDecay: 0 }], { lr: 0.05, weightDecay: 0.1 })],
  ['AdamW amsgrad', (ps) => new AdamW(ps, { lr: 0.05, amsgrad: true, betas: [0.8, 0.9] })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.03, weightDecay: 0.01 })],
  ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
];

for (const [name, build] of builders) {
  test(`${name}: 3 steps, save, 2 more == load into a fresh optimizer on copied params, 2 more (bit-exact)`, () => {
    const params = makeParams();
    const opt = build(params);
    for (let s = 0; s < 3; s++) stepWith(opt, params, s);
    const saved = opt.stateDict();
    const copies = copyParams(params);

    for (let s = 3; s < 5; s++) stepWith(opt, params, s);

    const fresh = build(copies);
    fresh.paramGroups.forEach((g) => (g.lr = 123)); // overwritten by the loaded hyperparameters
    fresh.loadStateDict(saved as never); // the union of optimizer types needs the cast
    dispose(saved); // the optimizer holds its own copies
    for (let s = 3; s < 5; s++) stepWith(fresh, copies, s);

    params.forEach((p, i) => assert.ok(p.equal(copies[i]!), `${name} param ${i}: ${flat(p)} vs ${flat(copies[i]!)}`));
    assert.deepEqual(fresh.paramGroups.map((g) => g.lr), opt.paramGroups.map((g) => g.lr));
    opt.dispose();
    fresh.dispose();
    dispose([params, copies]);
  });
}

test('the state dict survives JSON + named tensors (splitStateDict/joinStateDict) and continues exactly', () => {
  const params = makeParams();
  const opt = new AdamW(params, { lr: 0.05, amsgrad: true });
  for (let s = 0; s < 3; s++) stepWith(opt, params, s);
  const { tensors, meta } = splitStateDict(opt.stateDict());
  assert.deepEqual([...tensors.keys()].sort(), [
    'state.0.expAvg', 'state.0.expAvgSq', 'state.0.maxExpAvgSq',
    'state.1.expAvg', 'state.1.expAvgSq', 'state.1.maxExpAvgSq',
  ]);
  const json = JSON.parse(JSON.stringify(meta)) as typeof meta;
  assert.equal(json.state['0']!.step, 3);
  assert.deepEqual(json.paramGroups[0], { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: true, params: [0, 1] });
  // As if the tensors had gone through safetensors: float64 copies (cast back to the param dtype on load).
  const reloaded = new Map([...tensors].map(([k, t]) => [k, t.double()] as const));
  const copies = copyParams(params);
  const fresh = new AdamW(copies, { lr: 0.05, amsgrad: true });
  fresh.loadStateDict(joinStateDict(reloaded, json));
  const sd = fresh.stateDict();
  assert.equal((sd.state['1']!.expAvgSq as Tensor).dtype, 'float32');
  for (let s = 3; s < 5; s++) {
    stepWith(opt, params, s);
    stepWith(fresh, copies, s);
  }
  params.forEach((p, i) => assert.ok(p.equal(copies[i]!)));
  assert.throws(() => joinStateDict(new Map(), json), /state\.0\.expAvg refers to tensor 'state\.0\.expAvg', which is missing/);
  dispose([params, copies, [...tensors.values()], [...reloaded.values()], sd]);
  opt.dispose();
  fresh.dispose();
});

test('stateDict tensors are copies: changing them does not change the optimizer', () => {
  const params = makeParams();
  const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
  stepWith(opt, params, 0);
  const a = opt.stateDict();
  (a.state['0']!.momentumBuffer as Tensor).fill_(100);
  const b = opt.stateDict();
  assert.deepEqual(flat(b.state['0']!.momentumBuffer as Tensor).map((x) => Math.round(x * 1e6) / 1e6), [0.3, -1.2, 0.7]);
  dispose([a, b, params]);
  opt.dispose();
});

test('mismatched structure and missing state fields are refused without touching the optimizer', () => {
  const params = makeParams();
  const opt = new AdamW(params, { lr: 0.01 });
  stepWith(opt, params, 0);
  const saved = opt.stateDict() as OptimizerStateDict<OptimizerOptions>;
  const other = new AdamW([params[0]!], { lr: 0.01 });
  assert.throws(() => other.loadStateDict(saved as never), /paramGroups\[0\] has 2 params in the state dict, 1 in the optimizer/);
  const twoGroups = new AdamW([{ params: [params[0]!] }, { params: [params[1]!] }]);
  assert.throws(() => twoGroups.loadStateDict(saved as never), /1 param groups in the state dict, 2 in the optimizer/);
  const sgd = new SGD(params);
  assert.doesNotThrow(() => sgd.loadStateDict({ state: {}, paramGroups: [{ ...sgd.paramGroups[0]!, params: [0, 1] }] }));
  const broken = { ...saved, state: { '0': { step: 1 } } };
  const before = memory().numTensors;
  assert.throws(() => opt.loadStateDict(broken as never), /state\[0\]\.expAvg must be a Tensor, got nothing/);
  assert.equal(memory().numTensors, before);
  const amsgradOn = { ...saved, paramGroups: saved.paramGroups.map((g) => ({ ...g, amsgrad: true })) };
  assert.throws(() => opt.loadStateDict(amsgradOn as never), /maxExpAvgSq must be a Tensor/);
  assert.equal(opt.paramGroups[0]!.amsgrad, false, 'a failed load must not change the groups');
  dispose([saved, params]);
  [opt, other, twoGroups, sgd].forEach((o) => o.dispose());
});

test('steps do not leak: live tensors stay constant once state exists; dispose() frees the state', () => {
  const params = makeParams();
  for (const opt of [
    new AdamW(params, { lr: 0.01, amsgrad: true }),
    new Adam(params, { weightDecay: 0.1 }),
    new SGD(params, { momentum: 0.9, weightDecay: 0.1, nesterov: true }),
  ]) {
    const start = memory().numTensors;
    stepWith(opt, params, 0);
    const afterFirst = memory().numTensors;
    const perParam = opt instanceof SGD ? 1 : opt.defaults.amsgrad ? 3 : 2;
    assert.equal(afterFirst - start, perParam * params.length, `${opt.constructor.name}: state tensors made on step 1`);
    for (let s = 1; s < 5; s++) {
      stepWith(opt, params, s);
      assert.equal(memory().numTensors, afterFirst, `${opt.constructor.name}: handles leaked at step ${s + 1}`);
    }
    // Without an enclosing tidy, too (grads read and temporaries made inside step are its own).
    params.forEach((p, i) => setGrad(p, GRADS[0]![i]!));
    opt.step();
    assert.equal(memory().numTensors, afterFirst);
    opt.zeroGrad();
    opt.dispose();
    assert.equal(memory().numTensors, start);
  }
  dispose(params);
});

test('loading amsgrad state into a plain AdamW keeps only the fields it uses (no leaked copies)', () => {
  const params = makeParams();
  const ams = new AdamW(params, { amsgrad: true });
  stepWith(ams, params, 0);
  const saved = ams.stateDict();
  const plain = new AdamW(copyParams(params));
  const before = memory().numTensors;
  plain.loadStateDict({ ...saved, paramGroups: saved.paramGroups.map((g) => ({ ...g, amsgrad: false })) });
  assert.equal(memory().numTensors - before, 2 * params.length, 'expAvg and expAvgSq per parameter, no maxExpAvgSq');
  plain.paramGroups[0]!.params.forEach((p, i) => setGrad(p, GRADS[1]![i]!));
  plain.step();
  dispose([saved, params, plain.paramGroups[0]!.params]);
  ams.dispose();
  plain.dispose();
});

test('stateDict({ copy: false }) hands out the live state (a later step shows through, nothing new allocated); the default copies', () => {
  const params = makeParams();
  const opt = new AdamW(params, { lr: 0.05 });
  stepWith(opt, params, 0);
  const before = memory().numTensors;
  const shared = opt.stateDict({ copy: false });
  assert.equal(memory().numTensors, before, 'no tensor handles created');
  const copied = opt.stateDict();
  const avg = (d: OptimizerStateDict<OptimizerOptions>) => flat((d.state['0'] as Record<string, Tensor>)['expAvg']!);
  const atStep1 = avg(copied);
  assert.deepEqual(avg(shared), atStep1);
  stepWith(opt, params, 1);
  assert.notDeepEqual(avg(shared), atStep1, 'the shared dict is the optimizer\'s own state');
  assert.deepEqual(avg(copied), atStep1, 'the copy kept step 1');
  dispose(Object.values(copied.state).flatMap((s) => Object.values(s).filter((v): v is Tensor => typeof v !== 'number')));
  dispose(params);
});
