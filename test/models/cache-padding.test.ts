/** KV cache, padding on either side, position ids, inputsEmbeds and the encoder mode. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, tensor, tidy, type Tensor } from '../../src/index.js';
import { CausalLM, fromPretrained } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { forwardGolden, modelDir } from './model-fixtures.js';

const maxAbsDiff = (a: Tensor, b: Tensor): number => a.sub(b).abs().max().item();

function withModel(fn: (lm: CausalLM) => void): () => void {
  return scoped(() => {
    const lm = fromPretrained(modelDir('tiny-qwen2'));
    try {
      fn(lm);
    } finally {
      lm.dispose();
    }
  });
}

test('prefill plus one-token steps with the cache equals the full forward pass', withModel((lm) => {
  const ids = tensor([forwardGolden('tiny-qwen2').input_ids[0] as number[]], { dtype: 'int64' }); // (1, 23)
  const full = lm.forward({ inputIds: ids }).logits;
  const cache = lm.newCache();
  const parts = [lm.forward({ inputIds: ids.slice(1, 0, 20), cache }).logits];
  assert.equal(cache.length, 20);
  for (let t = 20; t < 23; t++) parts.push(lm.forward({ inputIds: ids.slice(1, t, t + 1), cache }).logits);
  assert.equal(cache.length, 23);
  assert.ok(maxAbsDiff(cat(parts, 1), full) < 1e-5);
  cache.dispose();
}));

test('greedy decoding with the cache picks exactly the tokens of cache-free full passes', withModel((lm) => {
  const prompt = [382, 285, 354, 316, 4];
  const noCache: number[] = [...prompt];
  for (let i = 0; i < 12; i++) {
    const next = tidy(() => lm.forward({ inputIds: tensor([noCache], { dtype: 'int64' }) }).logits.select(1, -1).argmax({ dim: -1 }).item());
    noCache.push(next);
  }
  const cache = lm.newCache();
  const cached: number[] = [...prompt];
  let input = tensor([prompt], { dtype: 'int64' });
  for (let i = 0; i < 12; i++) {
    const next = tidy(() => lm.forward({ inputIds: input, cache }).logits.select(1, -1).argmax({ dim: -1 }).item());
    cached.push(next);
    input = tensor([[next]], { dtype: 'int64' });
  }
  cache.dispose();
  assert.deepEqual(cached, noCache);
}));

test('left padding with position ids that follow the mask reproduces the unpadded rows', withModel((lm) => {
  const a = [382, 285, 354, 316, 4, 318];
  const b = [349, 165, 248];
  const alone = (ids: number[]) => lm.forward({ inputIds: tensor([ids], { dtype: 'int64' }) }).logits.select(0, 0);
  const ids = tensor([a, [3, 3, 3, ...b]], { dtype: 'int64' });
  const mask = tensor([[1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]], { dtype: 'int64' });
  const positions = mask.cumsum(-1).sub(1).maskedFill(mask.eq(0), 1); // transformers' generate()
  const { logits } = lm.forward({ inputIds: ids, attentionMask: mask, positionIds: positions });
  assert.ok(maxAbsDiff(logits.select(0, 0), alone(a)) < 1e-5);
  assert.ok(maxAbsDiff(logits.select(0, 1).slice(0, 3), alone(b)) < 1e-5);
  assert.ok(logits.isfinite().all().item() === 1, 'fully masked pad rows must stay finite');

  // ... and one more cached step after the left-padded prompt.
  const cache = lm.newCache();
  lm.forward({ inputIds: ids, attentionMask: mask, positionIds: positions, cache });
  const step = lm.forward({
    inputIds: tensor([[7], [7]], { dtype: 'int64' }),
    attentionMask: cat([mask, tensor([[1], [1]], { dtype: 'int64' })], 1),
    positionIds: tensor([[6], [3]], { dtype: 'int64' }),
    cache,
  }).logits;
  cache.dispose();
  assert.ok(maxAbsDiff(step.select(0, 1).select(0, 0), alone([...b, 7]).select(0, 3)) < 1e-5);
  assert.ok(maxAbsDiff(step.select(0, 0).select(0, 0), alone([...a, 7]).select(0, 6)) < 1e-5);
}));

test('right padding leaves the real positions of each row as if run alone', withModel((lm) => {
  const g = forwardGolden('tiny-qwen2');
  const ids = tensor(g.input_ids, { dtype: 'int64' });
  const { logits } = lm.forward({ inputIds: ids, attentionMask: tensor(g.attention_mask, { dtype: 'int64' }) });
  const row1 = (g.input_ids[1] as number[]).slice(0, 22);
  const alone = lm.forward({ inputIds: tensor([row1], { dtype: 'int64' }) }).logits.select(0, 0);
  assert.ok(maxAbsDiff(logits.select(0, 1).slice(0, 0, 22), alone) < 1e-5);
}));

test('inputsEmbeds skips the embedding and gives the same logits', withModel((lm) => {
  const ids = tensor([[382, 285, 354, 316]], { dtype: 'int64' });
  const viaIds = lm.forward({ inputIds: ids }).logits;
  const viaEmbeds = lm.forward({ inputsEmbeds: lm.model.embedTokens.forward(ids) }).logits;
  assert.ok(viaIds.equal(viaEmbeds));
  assert.throws(() => lm.forward({}), /exactly one of inputIds or inputsEmbeds/);
}));

test('encoder mode attends both ways: earlier outputs depend on later tokens', scoped(() => {
  const lm = fromPretrained(modelDir('tiny-qwen2'));
  const encoder = new CausalLM({ ...lm.config, isCausal: false });
  encoder.loadStateDict(lm.stateDict());
  const first = (m: CausalLM, last: number) =>
    m.forward({ inputIds: tensor([[382, 285, 354, last]], { dtype: 'int64' }) }).logits.select(1, 0);
  assert.ok(maxAbsDiff(first(lm, 4), first(lm, 90)) === 0, 'causal: position 0 ignores the future');
  assert.ok(maxAbsDiff(first(encoder, 4), first(encoder, 90)) > 1e-4, 'encoder: position 0 sees the future');
  lm.dispose();
  encoder.dispose();
}));

test('logitsToKeep: logits of the last N positions equal those of the full pass; bad N is refused', withModel((lm) => {
  const ids = tensor([forwardGolden('tiny-qwen2').input_ids[0] as number[]], { dtype: 'int64' }); // (1, 23)
  const full = lm.forward({ inputIds: ids }).logits;
  const kept = lm.forward({ inputIds: ids, logitsToKeep: 5 });
  assert.deepEqual(kept.logits.shape, [1, 5, full.size(2)]);
  assert.deepEqual(kept.hiddenStates.shape.slice(0, 2), [1, 23]);
  assert.ok(maxAbsDiff(kept.logits, full.narrow(1, 18, 5)) < 1e-6);
  assert.deepEqual(lm.forward({ inputIds: ids, logitsToKeep: 0 }).logits.shape, full.shape);
  assert.throws(() => lm.forward({ inputIds: ids, logitsToKeep: 24 }), /logitsToKeep \(24\) must be an integer in \[0, 23\]/);
}));
