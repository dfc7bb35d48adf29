/**
 * Each decoder layer runs in its own scope: a long prefill holds one layer's temporaries at a time.
 * Without it, every layer's intermediates (attention, MLP, norms) stay alive until the caller's
 * tidy() ends, which tripled the peak RSS of a 0.5B batch-32 prefill.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CausalLM, decoderConfig } from '../../src/models/index.js';
import { manualSeed, memory, noGrad, randint, tidy } from '../../src/tensor/index.js';

function liveTensorsAtEachLayer(lm: CausalLM, run: () => void): number[] {
  const seen: number[] = [];
  for (const layer of lm.model.layers) {
    const forward = layer.forward.bind(layer);
    layer.forward = (x, ctx) => {
      seen.push(memory().numTensors);
      return forward(x, ctx);
    };
  }
  run();
  return seen;
}

const CONFIG = decoderConfig({ modelType: 'qwen2', qkvBias: true, vocabSize: 64, hiddenSize: 32, intermediateSize: 64,
  numLayers: 6, numHeads: 4, numKvHeads: 2, eosTokenId: 2, padTokenId: 3 });

for (const mode of ['no grad', 'with grad'] as const) {
  test(`a forward pass (${mode}) gains one live tensor per layer (its output), not the layer's temporaries`, () => {
    manualSeed(0);
    const lm = CausalLM.fromConfig(CONFIG);
    const ids = randint(4, 64, [2, 16]);
    const seen = liveTensorsAtEachLayer(lm, () => {
      const step = (): void => void tidy(() => {
        const { logits } = lm.forward({ inputIds: ids });
        if (mode === 'with grad') logits.sum().backward();
      });
      if (mode === 'no grad') noGrad(step);
      else step();
    });
    assert.equal(seen.length, 6);
    const growth = seen.map((n, i) => (i === 0 ? 0 : n - (seen[i - 1] as number))).slice(1);
    assert.deepEqual(growth, [1, 1, 1, 1, 1], `live tensors at each layer's start: ${seen.join(', ')}`);
    ids.dispose();
    lm.dispose();
  });
}
