/** Models built from a config: rotary scaling, the sliding-window guard, and training from scratch. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, manualSeed, randint, tensor, tidy } from '../../src/index.js';
import { CausalLM, decoderConfig, parseHfConfig, RegressionHead, RotaryEmbedding, ValueHead } from '../../src/models/index.js';
import { AdamW } from '../../src/optim/index.js';
import { scoped } from '../helpers/assert.js';

const plainInvFreq = (dim: number, theta: number): number[] =>
  Array.from({ length: dim / 2 }, (_, i) => 1 / theta ** ((2 * i) / dim));

test('rotary frequencies: default, linear and llama3 scaling follow transformers formulas', scoped(() => {
  const dim = 64;
  const base = plainInvFreq(dim, 500000);
  const close = (got: number[], want: number[]) =>
    got.forEach((g, i) => assert.ok(Math.abs(g - (want[i] as number)) <= 1e-6 * Math.abs(want[i] as number) + 1e-12, `i=${i}: ${g} vs ${want[i]}`));

  const plain = new RotaryEmbedding({ headDim: dim, ropeTheta: 500000 });
  const linear = new RotaryEmbedding({ headDim: dim, ropeTheta: 500000, ropeScaling: { type: 'linear', factor: 4 } });
  close(plain.invFreq.flatValues() as number[], base);
  close(linear.invFreq.flatValues() as number[], base.map((f) => f / 4));

  // Llama 3.1: factor 8, low 1, high 4, original context 8192.
  const s = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
  const want = base.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < s.originalMaxPositionEmbeddings / s.highFreqFactor) return f;
    if (wavelen > s.originalMaxPositionEmbeddings / s.lowFreqFactor) return f / s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
  const llama3 = new RotaryEmbedding({ headDim: dim, ropeTheta: 500000, ropeScaling: { type: 'llama3', ...s } });
  close(llama3.invFreq.flatValues() as number[], want);
  assert.ok(want.some((w, i) => w !== base[i]) && want.some((w, i) => w === base[i]), 'the case covers scaled and unscaled bands');

  const parsed = parseHfConfig({ model_type: 'llama', vocab_size: 8, hidden_size: 8, intermediate_size: 8, num_hidden_layers: 1,
    num_attention_heads: 2, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4,
      original_max_position_embeddings: 8192 } });
  assert.deepEqual(parsed.ropeScaling, { type: 'llama3', ...s });
  for (const r of [plain, linear, llama3]) r.dispose();
}));

test('positions beyond a sliding window are refused, not silently computed with full attention', scoped(() => {
  const cfg = parseHfConfig({ model_type: 'mistral', vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1,
    num_attention_heads: 2, num_key_value_heads: 1, sliding_window: 4 });
  const lm = CausalLM.fromConfig(cfg);
  assert.equal(lm.forward({ inputIds: tensor([[1, 2, 3, 4]], { dtype: 'int64' }) }).logits.size(1), 4);
  assert.throws(() => lm.forward({ inputIds: tensor([[1, 2, 3, 4, 5]], { dtype: 'int64' }) }), /exceed the sliding window \(4\)/);
  lm.dispose();
}));

test('a from-scratch model (RoPE, SwiGLU, RMSNorm, GQA) learns a repeating sequence', scoped(() => {
  manualSeed(0);
  const lm = CausalLM.fromConfig(decoderConfig({ vocabSize: 16, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2 }));
  assert.deepEqual(lm.namedParameters().map(([n]) => n).slice(0, 3), ['model.embed_tokens.weight', 'model.layers.0.input_layernorm.weight', 'model.layers.0.self_attn.q_proj.weight']);
  const opt = new AdamW(lm.parameters(), { lr: 1e-2, weightDecay: 0 });
  const start = randint(0, 16, [8, 1]);
  const ids = start.add(tensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]], { dtype: 'int64' })).remainder(16);
  const step = () => tidy(() => {
    const logits = lm.forward({ inputIds: ids }).logits;
    const loss = F.crossEntropy(logits.slice(1, 0, -1).reshape(-1, 16), ids.slice(1, 1).reshape(-1));
    loss.backward();
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });
  const first = step();
  let last = first;
  for (let i = 0; i < 60; i++) last = step();
  assert.ok(first > 2 && last < 0.5, `loss ${first} -> ${last}`);
  opt.dispose();
  lm.dispose();
}));

test('value and regression heads compute what their layers say', scoped(() => {
  const h = tensor([[[0.5, -1, 2], [1, 0, -0.5]]], { dtype: 'float32' }); // (1, 2, 3)
  const v = new ValueHead(3);
  assert.ok(v.forward(h).allclose(h.matmul(v.summary.weight.t()).add(v.summary.bias as never).squeeze(-1)));
  const r = new RegressionHead(3);
  const manual = r.out.forward(r.dense.forward(h).gelu()).sigmoid().squeeze(-1);
  const got = r.forward(h);
  assert.deepEqual(got.shape, [1, 2]);
  assert.ok(got.allclose(manual) && got.gt(0).all().item() === 1 && got.lt(1).all().item() === 1);
  v.dispose();
  r.dispose();
}));
