/**
 * The pure parts of `npm run bench -- scale`: the Qwen2.5 shape table (parameter counts checked
 * against transformers), the roofline and memory arithmetic, and argument parsing. No model of
 * real size is drawn or run here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CausalLM } from '../../src/models/index.js';
import { withEmptyInit } from '../../src/nn/empty-init.js';
import { parseScaleArgs, SCALE_PARTS } from '../../bench/scale_args.js';
import {
  decodeBytesPerStep, decodeStepSeconds, kvCacheBytesPerToken, loraParameterCount, memoryBudget, parameterCount, roofline,
  SCALE_SHAPES, scaleDecoderConfig,
} from '../../bench/scale_shapes.js';

test('scale shapes: parameter counts equal transformers Qwen2ForCausalLM (built on the meta device, transformers 5.18)', () => {
  assert.equal(parameterCount(SCALE_SHAPES['0.5b']).total, 494_032_768);
  assert.equal(parameterCount(SCALE_SHAPES['1.5b']).total, 1_543_714_304);
  assert.equal(parameterCount(SCALE_SHAPES['7b']).total, 7_615_616_512);
  // 7B unties its LM head: vocab x hidden once more.
  assert.equal(parameterCount(SCALE_SHAPES['7b']).lmHead, 152_064 * 3_584);
  assert.equal(parameterCount(SCALE_SHAPES['0.5b']).lmHead, 0);
});

test('scale shapes: LoRA r16 on all linear layers counts as PEFT get_peft_model does (8,798,208 trainable at 0.5B)', () => {
  assert.equal(loraParameterCount(SCALE_SHAPES['0.5b'], 16), 8_798_208);
});

test('scale shapes: the 0.5B config builds a CausalLM of the tabled size and writes Qwen2.5 config.json values', () => {
  // Empty init: 2 GB of address space, none of it touched, so this stays fast and small.
  const lm = withEmptyInit(() => new CausalLM(scaleDecoderConfig('0.5b')));
  try {
    assert.equal(lm.numParameters(), 494_032_768);
    const hf = lm.hfConfig('float32');
    assert.equal(hf.model_type, 'qwen2');
    assert.equal(hf.vocab_size, 151_936);
    assert.equal(hf.num_key_value_heads, 2);
    assert.equal(hf.tie_word_embeddings, true);
    const names = new Map(lm.namedParameters().map(([k, p]) => [k, p.shape]));
    assert.deepEqual(names.get('model.layers.0.self_attn.k_proj.weight'), [128, 896]);
    assert.deepEqual(names.get('model.layers.0.self_attn.q_proj.bias'), [896]);
    assert.deepEqual(names.get('model.layers.23.mlp.down_proj.weight'), [896, 4864]);
  } finally {
    lm.dispose();
  }
});

test('scale shapes: KV cache and decode bytes per step', () => {
  // 2 (k, v) x 24 layers x 2 KV heads x 64 head dim x 4 bytes
  assert.equal(kvCacheBytesPerToken(SCALE_SHAPES['0.5b'], 'fp32'), 24_576);
  assert.equal(kvCacheBytesPerToken(SCALE_SHAPES['7b'], 'bf16'), 2 * 28 * 4 * 128 * 2);
  // Tied: the embedding is read whole as the LM head. Untied: the input embedding is only gathered.
  assert.equal(decodeBytesPerStep(SCALE_SHAPES['0.5b'], 'fp32'), 494_032_768 * 4);
  assert.equal(decodeBytesPerStep(SCALE_SHAPES['7b'], 'bf16'), (7_615_616_512 - 152_064 * 3_584) * 2);
  const b = memoryBudget(SCALE_SHAPES['0.5b']);
  assert.equal(b.fullFinetuneState, 16 * 494_032_768);
  assert.equal(b.logitsPerToken, 4 * 151_936);
});

test('roofline: achieved bandwidth, its share of copy bandwidth, and the bound in tokens/s', () => {
  const r = roofline(2e9, 0.2, 8, 20e9);
  assert.equal(r.achievedBytesPerS, 1e10);
  assert.equal(r.fractionOfCopy, 0.5);
  assert.equal(r.boundTokensPerS, 80); // 8 tokens per step, a step at best 0.1 s
  assert.throws(() => roofline(1, 0, 1, 1), /step time \(0\)/);
  assert.ok(Math.abs(decodeStepSeconds(3.2, 0.1, 32) - 0.1) < 1e-12);
  assert.throws(() => decodeStepSeconds(1, 0.5, 1), /at least 2/);
});

test('parseScaleArgs: defaults, parts from arguments or RLHF_BENCH_PARTS, options and refusals', () => {
  const d = parseScaleArgs([], {}, '2026-12-04');
  assert.equal(d.scale, '0.5b');
  assert.deepEqual(d.parts, [...SCALE_PARTS]);
  assert.deepEqual(d.dtypes, ['fp32', 'bf16']);
  assert.deepEqual(d.lora, ['off', 'on']);
  assert.deepEqual(d.batches, [1, 8, 32]);
  assert.equal(d.steps, 3);
  assert.equal(d.threads, 2);
  assert.equal(d.dir, join(tmpdir(), 'rlhf-bench', '0.5b'));
  assert.equal(d.out, join('bench-results', 'scale-0.5b-2026-12-04.json'));

  const a = parseScaleArgs(['load', 'generate', '--scale', '1.5B', '--out', 'x.json'], { RLHF_BENCH_PARTS: 'sft', RLHF_BENCH_DIR: '/c', RLHF_BENCH_DTYPES: 'bf16', RLHF_BENCH_BATCHES: '1,8' }, 'd');
  assert.deepEqual(a.parts, ['load', 'generate']); // arguments win over RLHF_BENCH_PARTS
  assert.equal(a.scale, '1.5b');
  assert.equal(a.out, 'x.json');
  assert.equal(a.dir, join('/c', '1.5b'));
  assert.deepEqual(a.dtypes, ['bf16']);
  assert.deepEqual(a.batches, [1, 8]);
  assert.deepEqual(parseScaleArgs([], { RLHF_BENCH_PARTS: 'sft, dpo', RLHF_BENCH_SCALE: '7b' }, 'd').parts, ['sft', 'dpo']);

  assert.throws(() => parseScaleArgs(['train'], {}, 'd'), /part 'train' is not one of memory, load, generate/);
  assert.throws(() => parseScaleArgs(['--scale', '3b'], {}, 'd'), /'3b' is not one of 0.5b, 1.5b, 7b, smoke/);
  assert.throws(() => parseScaleArgs(['--scale'], {}, 'd'), /--scale needs a value/);
  assert.throws(() => parseScaleArgs(['--fast'], {}, 'd'), /unknown option '--fast'/);
  assert.throws(() => parseScaleArgs([], { RLHF_BENCH_STEPS: '1' }, 'd'), /must be >= 2/);
  assert.throws(() => parseScaleArgs([], { RLHF_BENCH_LORA: 'maybe' }, 'd'), /'maybe' is not one of off, on/);
});
