/**
 * Generation throughput on a real-size checkpoint, for side-by-side figures with
 * measure_hf.py (transformers' generate on the same token ids):
 *
 *   node dist/bench/generation/measure.js <model dir> generate 1,8,32 [float32|bfloat16]
 *   node dist/bench/generation/measure.js <model dir> rollout 4x8 [float32|bfloat16] [shared|repeated]
 *
 * Prompts are deterministic pseudo-random ids (the same formula as measure_hf.py); no EOS, so
 * every row makes all its tokens. Prints one JSON line per measurement.
 */
import { fromPretrained } from '../../src/models/index.js';
import { generate } from '../../src/generation/index.js';
import { sampleRollout } from '../../src/trainers/online/rollout.js';
import { setNumThreads, type DType } from '../../src/tensor/index.js';
import { benchPrompts } from './prompts.js';

const [dir, mode = 'generate', sizes = '1,8,32', dtype = 'float32', sharing = 'shared'] = process.argv.slice(2);
if (!dir) throw new Error('usage: measure.js <model dir> generate|rollout <sizes> [dtype] [shared|repeated]');
setNumThreads(Number(process.env.THREADS ?? 2));
const model = fromPretrained(dir, { dtype: dtype as DType });
const newTokens = Number(process.env.NEW_TOKENS ?? 32);

if (mode === 'generate') {
  const promptLength = Number(process.env.PROMPT_LENGTH ?? 64);
  generate(model, benchPrompts(1, 8), { maxNewTokens: 2, eosTokenId: [], padTokenId: 0 }); // warm-up
  for (const batch of sizes.split(',').map(Number)) {
    const prompts = benchPrompts(batch, promptLength);
    const t0 = performance.now();
    const out = generate(model, prompts, { maxNewTokens: newTokens, eosTokenId: [], padTokenId: 0 });
    const seconds = (performance.now() - t0) / 1000;
    const tokens = out.reduce((a, r) => a + r.tokenIds.length, 0);
    console.log(JSON.stringify({ engine: 'rlhf-ts', mode, dtype, batch, promptLength, newTokens, seconds: +seconds.toFixed(3), newTokPerS: +(tokens / seconds).toFixed(2), first: out[0]?.tokenIds.slice(0, 8) }));
  }
} else {
  const [prompts = 4, G = 8] = sizes.split('x').map(Number);
  const promptLength = Number(process.env.PROMPT_LENGTH ?? 256);
  const unique = benchPrompts(prompts, promptLength);
  const config = { maxNewTokens: newTokens, eosTokenId: [] as number[], padTokenId: 0, doSample: true, topK: 0, seed: 1 };
  const t0 = performance.now();
  const rollout = sharing === 'shared'
    ? sampleRollout(model, unique, { ...config, numReturnSequences: G })
    : sampleRollout(model, unique.flatMap((p) => Array.from({ length: G }, () => p)), config);
  const seconds = (performance.now() - t0) / 1000;
  const tokens = rollout.completions.reduce((a, c) => a + c.length, 0);
  console.log(JSON.stringify({ engine: 'rlhf-ts', mode, sharing, dtype, prompts, G, promptLength, newTokens, seconds: +seconds.toFixed(3), newTokPerS: +(tokens / seconds).toFixed(2), first: rollout.completions[0]?.slice(0, 8) }));
}
