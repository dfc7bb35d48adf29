/**
 * Where a decode step's time goes: libtorch's profiler over a few greedy steps of a
 * Qwen2-0.5B-shaped model cut to a few layers (random weights), summed by op name, beside the
 * wall time of the same steps (the difference is JS / N-API overhead).
 *
 *   node dist/bench/generation/profile.js [layers=4] [batch=8] [out=/tmp/gen-profile.json] [dtype=float32]
 */
import { readFileSync } from 'node:fs';
import { CausalLM, decoderConfig } from '../../src/models/index.js';
import { generate } from '../../src/generation/index.js';
import { native } from '../../src/native/binding.js';
import { setNumThreads, type DType } from '../../src/tensor/index.js';
import { benchPrompts } from './prompts.js';

const [layers = '4', batch = '8', out = '/tmp/gen-profile.json', dtype = 'float32'] = process.argv.slice(2);
setNumThreads(Number(process.env.THREADS ?? 2));
const model = CausalLM.fromConfig(decoderConfig({
  modelType: 'qwen2', vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, numLayers: Number(layers),
  numHeads: 14, numKvHeads: 2, headDim: 64, qkvBias: true, ropeTheta: 1e6, dtype: dtype as DType,
})).eval();
const prompts = benchPrompts(Number(batch), 64);
const cfg = { maxNewTokens: 17, eosTokenId: [] as number[], padTokenId: 0 };
generate(model, prompts, cfg); // warm-up
const t0 = performance.now();
generate(model, prompts, cfg);
const wall = performance.now() - t0;
const stepTimes: number[] = [];
let last = performance.now();
native.profileStart(out);
generate(model, prompts, cfg, { onToken: () => { const now = performance.now(); stepTimes.push(now - last); last = now; } });
native.profileStop();
const trace = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents?: { name: string; dur?: number; ts: number }[] } | { name: string; dur?: number }[];
const events = (Array.isArray(trace) ? trace : trace.traceEvents ?? []).filter((e) => e.dur !== undefined);
const byName = new Map<string, { ms: number; n: number }>();
for (const e of events) {
  const s = byName.get(e.name) ?? { ms: 0, n: 0 };
  s.ms += (e.dur as number) / 1000;
  s.n += 1;
  byName.set(e.name, s);
}
const decodeSteps = stepTimes.slice(1);
console.log(`wall ${wall.toFixed(0)} ms for ${cfg.maxNewTokens} steps; prefill ${stepTimes[0]?.toFixed(1)} ms, decode step mean ${(decodeSteps.reduce((a, b) => a + b, 0) / decodeSteps.length).toFixed(1)} ms (profiled run)`);
console.log('inclusive op time (ms, calls), top 25:');
for (const [name, s] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`  ${s.ms.toFixed(1).padStart(9)} ${String(s.n).padStart(6)}  ${name}`);
