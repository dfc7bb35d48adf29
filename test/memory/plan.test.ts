/**
 * The memory planner's arithmetic on known shapes: parameter counts (Qwen2.5-0.5B, GPT-2 small,
 * the fixtures' headers), LoRA adapters, per-token activations, the plan's parts (AdamW, ZeRO-1,
 * DDP buckets, the reference, the KV cache) and the changes that make a run fit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { parseHfConfig, readRawConfig } from '../../src/models/index.js';
import { gpt2Config, parseGpt2Config } from '../../src/models/gpt2/config.js';
import {
  adviseFit, batchCandidates, blockBytesPerToken, bytesPerParameter, decoderParameterCount, decoderShape, gpt2ParameterCount, largestFittingBatch,
  loraParameterCount, modelSizeName, parseNvidiaSmi, planMemory, readModelShape, readPlanModels, stepActivations, trainableModelSize, type PlanModels,
} from '../../src/memory/index.js';

/** Qwen2.5-0.5B's config.json (the fields the planner reads). */
const QWEN25_05B = {
  model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24,
  num_attention_heads: 14, num_key_value_heads: 2, tie_word_embeddings: true, rms_norm_eps: 1e-6, max_position_embeddings: 32768,
};
const qwen = decoderShape(parseHfConfig(QWEN25_05B));
const GiB = 2 ** 30;

test('parameter counts: Qwen2.5-0.5B from its config, GPT-2 small, and the fixtures equal to their safetensors headers', () => {
  // 151936·896 embedding (tied) + 24 blocks x (q 896·896+896, k and v 896·128+128, o 896·896, MLP 3·896·4864, 2 norms 896) + final norm 896
  assert.equal(151936 * 896 + 24 * (803712 + 2 * 114816 + 802816 + 3 * 896 * 4864 + 2 * 896) + 896, 494_032_768);
  assert.equal(decoderParameterCount(parseHfConfig(QWEN25_05B)), 494_032_768);
  assert.equal(qwen.parameters.total, 494_032_768);
  assert.equal(gpt2ParameterCount(gpt2Config()), 124_439_808);
  for (const [dir, total] of [['tiny-qwen2', 125_504], ['tiny-llama', 166_208], ['tiny-qwen2-rm', 125_568], ['tiny-gpt2', 141_056]] as const) {
    const shape = readModelShape(`test/fixtures/models/${dir}`);
    assert.equal(shape.parameters.source, 'checkpoint');
    assert.deepEqual(shape.parameters.byDtype, { float32: total }, dir);
  }
  // The formulas agree with the headers (a reward model's score head is in its header only).
  for (const dir of ['tiny-qwen2', 'tiny-llama']) {
    const { raw } = readRawConfig(`test/fixtures/models/${dir}`);
    assert.equal(decoderParameterCount(parseHfConfig(raw)), readModelShape(`test/fixtures/models/${dir}`).parameters.total, dir);
  }
  assert.equal(gpt2ParameterCount(parseGpt2Config(readRawConfig('test/fixtures/models/tiny-gpt2').raw)), 141_056);
});

function tinyQwen2Config(): Record<string, unknown> {
  return { model_type: 'qwen2', vocab_size: 512, hidden_size: 64, intermediate_size: 176, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, tie_word_embeddings: true };
}

test('LoRA adapters: r·(in + out) per adapted linear, as PEFT counts them', () => {
  // PEFT on Qwen2.5-0.5B, r 8, all-linear: "trainable params: 4,399,104".
  assert.equal(loraParameterCount(qwen, 8, 'all-linear'), 4_399_104);
  assert.equal(loraParameterCount(qwen, 16, ['q_proj', 'v_proj']), 24 * 16 * ((896 + 896) + (896 + 128)));
  assert.equal(loraParameterCount(qwen, 8, '.*\\.mlp\\..*'), 24 * 8 * 3 * (896 + 4864));
});

test('activations per token: the float32 block keeps what its kernels save (exact on the benchmark shape)', () => {
  const bench = decoderShape(parseHfConfig({ ...tinyQwen2Config(), hidden_size: 256, intermediate_size: 704, num_attention_heads: 8, num_key_value_heads: 4, num_hidden_layers: 4 }));
  // 4 x 4H (input, residual, 2 norm outputs) + 2 x 4·nH·d (q, attention output) + 2 x 4·nKV·d (k, v) + 2 x 4I (gate, up) + 4·(nH + 2): measured 12,840 B.
  assert.equal(blockBytesPerToken(bench, 'float32', 256), 12_840);
  assert.equal(blockBytesPerToken(bench, 'half', 256), (12_840 - 40) / 2 + 40);
  const plain = stepActivations(bench, { rows: 4, length: 256, precision: 'float32', checkpointing: false, head: 'lm-sum' });
  const checkpointed = stepActivations(bench, { rows: 4, length: 256, precision: 'float32', checkpointing: true, head: 'lm-sum' });
  assert.equal(plain.keptPerToken, 4 * 12_840);
  assert.equal(checkpointed.keptPerTokenCheckpointed, 4 * 2 * 4 * 256); // each block's input and its output's gradient
  assert.ok(checkpointed.forwardPeak < plain.forwardPeak / 2, `${checkpointed.forwardPeak} vs ${plain.forwardPeak}`);
  // The logits come a chunk at a time: at Qwen2's vocabulary 220 rows (128 MiB of float32), not all 2 x 1024.
  const big = stepActivations(qwen, { rows: 2, length: 1024, precision: 'float32', checkpointing: false, head: 'lm-sum' });
  const small = stepActivations(qwen, { rows: 1, length: 1024, precision: 'float32', checkpointing: false, head: 'lm-sum' });
  assert.equal(big.forwardPeak - 2 * small.forwardPeak, -220 * 151936 * 4);
});

/** A run config on the tiny Qwen2 fixture; `over` replaces whole sections. */
function config(over: Record<string, Record<string, unknown>> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
    data: { dataset_path: 'unused.jsonl', max_length: 128, max_prompt_length: 64 },
    ...over,
    training: { algorithm: 'sft', per_device_train_batch_size: 4, ...over.training },
  });
}

const part = (plan: ReturnType<typeof planMemory>, name: string) => plan.items.find((i) => i.part === name);

test('the plan: weights, gradients and two AdamW moments per trainable parameter; ZeRO-1 shards the moments; DDP adds buckets', () => {
  const models: PlanModels = { policy: qwen, reference: null, reward: null, value: null };
  const plan = planMemory(config(), models);
  const n = 494_032_768;
  assert.equal(part(plan, 'parameters')?.bytes, 4 * n);
  assert.equal(part(plan, 'gradients')?.bytes, 4 * n);
  assert.equal(part(plan, 'optimizer')?.bytes, 8 * n);
  assert.equal(part(plan, 'buckets'), undefined);
  assert.equal(plan.peakBytes, plan.items.reduce((s, i) => s + i.atPeak, 0));
  const zero1 = planMemory(config({ distributed: { strategy: 'zero1' } }), models, { worldSize: 4 });
  assert.equal(part(zero1, 'optimizer')?.bytes, 2 * n);
  assert.equal(part(zero1, 'buckets')?.bytes, 4 * n);
  // bfloat16 weights: 2 B each for the weight, the gradient and each moment.
  const bf16 = planMemory(config({ model: { name_or_path: 'x', dtype: 'bfloat16' } }), models);
  assert.equal(part(bf16, 'optimizer')?.bytes, 4 * n);
  assert.equal(bf16.precision, 'half');
  // LoRA: gradients and moments of the adapters only.
  const lora = planMemory(config({ lora: { enabled: true, r: 8 } }), models);
  assert.equal(lora.trainableParameters, 4_399_104);
  assert.equal(part(lora, 'gradients')?.bytes, 4 * 4_399_104);
  // Accumulating, a forward holds every gradient of the earlier micro-batches.
  const once = planMemory(config({ training: { per_device_train_batch_size: 1 } }), models);
  const accumulating = planMemory(config({ training: { per_device_train_batch_size: 1, gradient_accumulation_steps: 4 } }), models);
  assert.ok(accumulating.peakBytes > once.peakBytes);
});

test('the plan of DPO holds a frozen reference (none with LoRA or precomputed log-probs); GRPO a KV cache', () => {
  const dpo = config({ training: { algorithm: 'dpo', per_device_train_batch_size: 2 } });
  const models = readPlanModels(dpo);
  assert.equal(models.reference?.parameters.total, 125_504);
  const plan = planMemory(dpo, models);
  assert.equal(plan.microBatch.rows, 4); // chosen and rejected
  assert.equal(part(plan, 'reference')?.bytes, 4 * 125_504);
  assert.equal(plan.peakBytes - plan.allocatorPeakBytes, 2 * 4 * 125_504); // both copies mapped from model.safetensors
  assert.equal(readPlanModels(config({ training: { algorithm: 'dpo' }, lora: { enabled: true } })).reference, null);
  assert.equal(readPlanModels(config({ training: { algorithm: 'dpo' }, dpo: { precompute_ref_log_probs: true } })).reference, null);
  const grpo = config({
    training: { algorithm: 'grpo', per_device_train_batch_size: 8, gradient_accumulation_steps: 2 },
    grpo: { group_size: 4, reward_model_path: 'test/fixtures/models/tiny-qwen2-rm' },
    generation: { max_new_tokens: 32 },
  });
  const g = planMemory(grpo, readPlanModels(grpo));
  // 16 completions x (64 + 32) tokens x 2 layers x (keys, values) x 2 kv heads x 16 x 4 B
  assert.equal(part(g, 'kv-cache')?.bytes, 16 * 96 * 2 * 2 * 2 * 16 * 4);
  assert.equal(part(g, 'reward')?.bytes, 4 * 125_568);
  assert.equal(g.microBatch.length, 96);
});

test('advice: split the batch (same effective batch), then checkpointing, bf16, LoRA; the largest batch that fits', () => {
  const models: PlanModels = { policy: qwen, reference: null, reward: null, value: null };
  const c = config({ training: { per_device_train_batch_size: 8 }, data: { dataset_path: 'x', max_length: 1024, max_prompt_length: 64 } });
  // The peak with micro-batch b and the accumulation that keeps 8 examples per step.
  const at = (b: number) => planMemory({ ...c, training: { ...c.training, per_device_train_batch_size: b, gradient_accumulation_steps: 8 / b } }, models).peakBytes;
  assert.equal(adviseFit(c, models, at(8)), null);
  const split = adviseFit(c, models, at(2) + 1);
  assert.deepEqual(split?.changes, [
    { key: 'training.per_device_train_batch_size', from: 8, to: 2 },
    { key: 'training.gradient_accumulation_steps', from: 1, to: 4 },
  ]);
  assert.equal(split?.sameTraining, true);
  const checkpointing = adviseFit(c, models, at(1) - 1);
  assert.ok(checkpointing?.changes.some((x) => x.key === 'training.gradient_checkpointing' && x.to === true), JSON.stringify(checkpointing?.changes));
  const lora = adviseFit(c, models, 6 * GiB);
  assert.ok(lora?.changes.some((x) => x.key === 'lora.enabled') && lora.sameTraining === false, JSON.stringify(lora?.changes));
  assert.equal(adviseFit(c, models, 1 * GiB), null); // not even the frozen weights fit
  assert.equal(largestFittingBatch(c, models, planMemory({ ...c, training: { ...c.training, per_device_train_batch_size: 4 } }, models).peakBytes), 4);
  assert.deepEqual(batchCandidates(12), [12, 6, 4, 3, 2, 1]);
});

test('what a machine can train: the planner\'s bytes per parameter', () => {
  assert.equal(bytesPerParameter('full', 'float32'), 16);
  assert.equal(bytesPerParameter('full', 'bfloat16'), 8);
  assert.equal(bytesPerParameter('lora', 'float32'), 4 + 0.16);
  assert.equal(trainableModelSize(16 * GiB, 'full', 'float32'), 805_306_368); // 3/4 of 16 GiB at 16 B
  assert.equal(modelSizeName(494_032_768), '494M');
  assert.equal(modelSizeName(7_615_616_512), '7.6B');
  assert.deepEqual(parseNvidiaSmi('0, NVIDIA H100 80GB HBM3, 81559, 81004\n'), [{ index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * 2 ** 20, freeBytes: 81004 * 2 ** 20 }]);
});

test('the plan of an environment run sizes rollouts and updates by the episode budget, not one turn', () => {
  const models: PlanModels = { policy: qwen, reference: null, reward: null, value: null };
  const run = (environment: Record<string, unknown>) => planMemory(config({
    training: { algorithm: 'grpo', per_device_train_batch_size: 8 },
    generation: { max_new_tokens: 32 },
    rewards: { functions: [{ name: 'exact_match' }] },
    environment,
  }), models);
  const single = run({});
  const turn = run({ name: 'calculator', max_episode_tokens: 32 });
  const episode = run({ name: 'calculator', max_episode_tokens: 512 });
  assert.equal(turn.peakBytes, single.peakBytes, 'an episode budget of one turn plans as a single completion');
  assert.ok(episode.peakBytes > single.peakBytes, `${episode.peakBytes} vs ${single.peakBytes}`);
});
