/**
 * models/lm-loss.ts: the fused head (linearCrossEntropy on the hidden states) against the logits
 * path (sftLossSum / sequenceLogprobs / selectiveLogSoftmax of forward().logits) on small models:
 * the same losses and log-probs, and the same gradient on every parameter, with padding, -100
 * labels, packing, tied and untied heads, GPT-2, bfloat16 autocast and LoRA.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autocast, manualSeed, tensor, tidy, type Tensor } from '../../src/index.js';
import { applyLora } from '../../src/nn/index.js';
import {
  CausalLM, causalLmCompletionLogps, causalLmCompletionStats, causalLmLossSum, causalLmSequenceLogprobs, decoderConfig, Gpt2LMHeadModel, gpt2Config,
  type CausalLmInput, type PretrainedCausalLm,
} from '../../src/models/index.js';

const maxDiff = (a: Tensor, b: Tensor): number => a.float().sub(b.float()).abs().max().item();

function tinyQwen(tie: boolean): CausalLM {
  manualSeed(7);
  return CausalLM.fromConfig(decoderConfig({ vocabSize: 97, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, tieWordEmbeddings: tie }));
}

function tinyGpt2(): Gpt2LMHeadModel {
  manualSeed(7);
  return Gpt2LMHeadModel.fromConfig(gpt2Config({ vocabSize: 97, nEmbd: 32, nLayer: 2, nHead: 4, nPositions: 64, attnPdrop: 0, residPdrop: 0, embdPdrop: 0 }));
}

/** `fn`'s output and every trainable parameter's gradient after backward of `toLoss(output)`, on one path. */
function onPath(model: PretrainedCausalLm, fused: boolean, fn: () => Tensor, toLoss: (t: Tensor) => Tensor = (t) => t) {
  model.fusedLmLoss = fused;
  return tidy(() => {
    for (const p of model.parameters()) p.zeroGrad();
    const out = fn();
    toLoss(out).backward();
    return { out: out.detach().float(), grads: model.trainableParameters().map((p) => (p.grad as Tensor).clone()) };
  });
}

function assertSamePaths(model: PretrainedCausalLm, fn: () => Tensor, what: string, tol: { value: number; grad: number }, toLoss?: (t: Tensor) => Tensor): void {
  const fused = onPath(model, true, fn, toLoss);
  const plain = onPath(model, false, fn, toLoss);
  assert.ok(maxDiff(fused.out, plain.out) <= tol.value * Math.max(1, plain.out.abs().max().item()), `${what}: ${fused.out.toArray()} vs ${plain.out.toArray()}`);
  fused.grads.forEach((g, i) => {
    const ref = plain.grads[i] as Tensor;
    const scale = Math.max(1e-3, ref.abs().max().item());
    assert.ok(maxDiff(g, ref) <= tol.grad * scale, `${what}: parameter ${i} gradient differs by ${maxDiff(g, ref)} (scale ${scale})`);
  });
  for (const t of [fused.out, plain.out, ...fused.grads, ...plain.grads]) t.dispose();
}

// Right-padded rows: row 1 has 3 pads; labels -100 on the prompt and the pads.
const IDS = [[5, 17, 33, 2, 80, 41, 9, 60], [12, 3, 44, 71, 8, 0, 0, 0]];
const MASK = [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]];
const LABELS = [[-100, -100, 33, 2, 80, 41, 9, 60], [-100, 3, 44, 71, 8, -100, -100, -100]];
const COMPLETION = [[0, 0, 1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 0, 0, 0]];
const TOL32 = { value: 1e-5, grad: 1e-4 };

const input = (): CausalLmInput & { inputIds: Tensor } => ({ inputIds: tensor(IDS, { dtype: 'int64' }), attentionMask: tensor(MASK, { dtype: 'int64' }) });

for (const [name, make] of [['Qwen2 tied', () => tinyQwen(true)], ['Qwen2 untied', () => tinyQwen(false)], ['GPT-2', tinyGpt2]] as const) {
  test(`${name}: SFT summed loss and every parameter gradient equal the logits path (padding, -100 labels)`, () => {
    const model = make();
    assertSamePaths(model, () => causalLmLossSum(model, input(), tensor(LABELS, { dtype: 'int64' })).loss, name, TOL32);
    assertSamePaths(model, () => causalLmLossSum(model, input(), tensor(LABELS, { dtype: 'int64' }), 0.1).loss, `${name} smoothing`, TOL32);
  });

  test(`${name}: DPO sequence log-probs and completion log-probs equal the logits path`, () => {
    const model = make();
    const weights = tensor([1.5, -0.7]);
    assertSamePaths(model, () => causalLmSequenceLogprobs(model, input(), tensor(COMPLETION)).logps, `${name} sequence`, TOL32, (l) => l.mul(weights).sum());
    // The last 3 positions as a completion; row 1's are pads (mask 0) and must be 0 on both paths after masking.
    const cMask = tensor([[1, 1, 1], [0, 0, 0]], { dtype: 'float32' });
    const cIds = tensor([[41, 9, 60], [0, 0, 0]], { dtype: 'int64' });
    assertSamePaths(model, () => causalLmCompletionLogps(model, input(), cIds, cMask).mul(cMask), `${name} completion`, TOL32, (l) => l.sum());
  });

  test(`${name}: PPO completion log-probs and entropies (chunked) equal the logits path`, () => {
    const model = make();
    const cMask = tensor([[1, 1, 1], [1, 1, 0]], { dtype: 'float32' });
    const cIds = tensor([[41, 9, 60], [71, 8, 0]], { dtype: 'int64' });
    const both = () => {
      const s = causalLmCompletionStats(model, input(), cIds, cMask);
      return s.logps.mul(cMask).add(s.entropy.mul(cMask).mul(0.37));
    };
    assertSamePaths(model, both, `${name} stats`, TOL32, (l) => l.sum());
    const s = causalLmCompletionStats(model, input(), cIds, cMask);
    assert.ok(maxDiff(s.logps.mul(cMask), causalLmCompletionLogps(model, input(), cIds, cMask).mul(cMask)) < 1e-6);
  });
}

test('the fused SFT loss counts the same tokens and rejects a completion-less DPO row as the logits path does', () => {
  const model = tinyQwen(true);
  tidy(() => {
    const fused = causalLmLossSum(model, input(), tensor(LABELS, { dtype: 'int64' }));
    assert.equal(fused.numTokens, 10);
    assert.equal(fused.loss.dtype, 'float32');
    assert.throws(() => causalLmSequenceLogprobs(model, input(), tensor([[0, 0, 1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]])), /every row needs at least one completion token/);
    const none = causalLmLossSum(model, input(), tensor([[-100, -100, -100, -100, -100, -100, -100, -100], [-100, -100, -100, -100, -100, -100, -100, -100]], { dtype: 'int64' }));
    assert.equal(none.numTokens, 0);
    assert.equal(none.loss.item(), 0);
  });
});

test('packed rows (restarting position ids, no mask): the fused SFT loss and gradients equal the logits path', () => {
  const model = tinyQwen(true);
  const packed = { inputIds: tensor([[5, 17, 33, 2, 80, 41, 9, 60]], { dtype: 'int64' }), positionIds: tensor([[0, 1, 2, 0, 1, 2, 3, 4]], { dtype: 'int64' }) };
  assertSamePaths(model, () => causalLmLossSum(model, packed, tensor([[-100, 17, 33, -100, 80, 41, 9, 60]], { dtype: 'int64' })).loss, 'packed', TOL32);
});

test('bfloat16 autocast: the fused SFT loss and gradients stay within bfloat16 rounding of the logits path', () => {
  const model = tinyQwen(true);
  assertSamePaths(model, () => autocast(() => causalLmLossSum(model, input(), tensor(LABELS, { dtype: 'int64' })).loss), 'bf16', { value: 1e-2, grad: 5e-2 });
});

test('LoRA: adapters on the layers (all-linear) keep the fused head; an adapter on lm_head falls back to the logits path', () => {
  const model = tinyQwen(false);
  applyLora(model, { r: 4, alpha: 8, targetModules: 'all-linear' });
  // B starts at 0: give the adapters weights so their gradients and outputs matter.
  tidy(() => { for (const p of model.trainableParameters()) p.detach().normal_(0, 0.1); });
  assert.notEqual(model.outputWeight(), null);
  assertSamePaths(model, () => causalLmLossSum(model, input(), tensor(LABELS, { dtype: 'int64' })).loss, 'lora all-linear', TOL32);
  const headed = tinyQwen(false);
  applyLora(headed, { r: 4, alpha: 8, targetModules: ['lm_head'] });
  assert.equal(headed.outputWeight(), null);
});
