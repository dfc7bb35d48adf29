/**
 * Training on a CUDA device: placement by training.device, float32 runs that log the CPU run's
 * losses, TRL's golden losses computed on the GPU, and float16 autocast with loss scaling
 * (a real overflow skipped, checkpoints with the scaler, resume). Skipped where this libtorch
 * sees no CUDA device (CI); run on a GPU machine built against a CUDA libtorch.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { PreferenceExample } from '../../src/data/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { loadCausalLm, SequenceScoreModel } from '../../src/models/index.js';
import { AdamW, GradScaler, linearWithWarmup, LrScheduler } from '../../src/optim/index.js';
import { autocast, cuda, keep, noGrad, tensor, tidy, withDefaultDevice } from '../../src/tensor/index.js';
import { dpoAlgorithm } from '../../src/trainers/dpo/index.js';
import { applyUpdate, backwardScoped } from '../../src/trainers/loop/update.js';
import { rewardAlgorithm } from '../../src/trainers/reward/index.js';
import { runSft } from '../../src/trainers/sft/index.js';
import { countingSftConfig, loggedLosses, loggedSteps, TINY_QWEN2 } from '../helpers/sft-run.js';

const skip = cuda.isAvailable() ? false : 'no CUDA device visible to this libtorch';
const MODEL = TINY_QWEN2;
const RM = 'test/fixtures/models/tiny-qwen2-rm';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const sftConfig = (training: Record<string, unknown>) => countingSftConfig({ per_device_train_batch_size: 4, ...training });
const rows = loggedSteps;
const losses = loggedLosses;

test('cuda: Module.to moves the weights in place, and the model computes what it computes on the CPU', { skip }, () => {
  const model = loadCausalLm(MODEL);
  const ids = [[1, 5, 9, 2, 7, 4], [3, 3, 8, 6, 2, 1]];
  const cpu = tidy(() => model.forward({ inputIds: tensor(ids) }).logits.toArray() as number[][][]);
  const weight = model.parameters()[0]!;
  model.to('cuda');
  assert.equal(model.parameters()[0], weight);
  assert.equal(weight.device, 'cuda:0');
  assert.ok(model.parameters().every((p) => p.device === 'cuda:0' && p.isLeaf && p.requiresGrad));
  const gpu = tidy(() => model.forward({ inputIds: tensor(ids, { device: 'cuda' }) }).logits.toArray() as number[][][]);
  const diff = Math.max(...cpu.flat(2).map((x, i) => Math.abs(x - gpu.flat(2)[i]!)));
  assert.ok(diff < 1e-4, `max |cpu - cuda| = ${diff}`);
  model.dispose();
});

test('cuda: TRL golden DPO and reward-model losses, computed on the GPU', { skip }, () => {
  withDefaultDevice('cuda', () => {
    const golden = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8'));
    const pref = golden.preference;
    const pairs: PreferenceExample[] = [0, 1].map((i) => ({ promptIds: pref.prompt_ids[i], chosenIds: pref.chosen_ids[i], rejectedIds: pref.rejected_ids[i], truncated: false }));
    const policy = loadCausalLm(MODEL);
    noGrad(() => policy.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
    assert.equal(policy.device, 'cuda:0');
    policy.eval();
    const dpo = dpoAlgorithm(policy, { reference: loadCausalLm(MODEL), padTokenId: 3, beta: golden.dpo.beta, lossType: 'sigmoid' });
    const dpoLoss = tidy(() => noGrad(() => {
      const out = dpo.loss(pairs);
      return out.loss.item() / out.numTokens;
    }));
    const want = golden.dpo.cases.policy_perturbed.sigmoid.loss_trl as number;
    assert.ok(Math.abs(dpoLoss - want) < 1e-5, `dpo ${dpoLoss} vs TRL ${want}`);

    const rm = JSON.parse(readFileSync(join(RM, 'golden.json'), 'utf8')).cases['margin_0.5'];
    const row = (i: number) => (rm.input_ids[i] as number[]).slice(0, (rm.attention_mask[i] as number[]).reduce((a, b) => a + b, 0));
    const rmPairs: PreferenceExample[] = [0, 1].map((i) => ({ promptIds: [], chosenIds: row(i), rejectedIds: row(i + 2), truncated: false, margin: rm.margin }));
    const model = SequenceScoreModel.fromPretrained(RM);
    assert.equal(model.device, 'cuda:0');
    const reward = rewardAlgorithm(model, 3, { useMargin: true });
    const rmLoss = tidy(() => noGrad(() => {
      const out = reward.loss(rmPairs);
      return out.loss.item() / out.numTokens;
    }));
    assert.ok(Math.abs(rmLoss - rm.loss_trl) < 1e-5, `reward ${rmLoss} vs TRL ${rm.loss_trl}`);
  });
});

test('cuda: float32 SFT on training.device cuda logs the CPU run\'s losses and saves a model that loads on the CPU', { skip }, async () => {
  const onCpu = sftConfig({ max_steps: 4, device: 'cpu' });
  const onGpu = sftConfig({ max_steps: 4, device: 'cuda' });
  await runSft(onCpu, { progress: sink });
  await runSft(onGpu, { progress: sink });
  const [a, b] = [losses(onCpu.training.output_dir), losses(onGpu.training.output_dir)];
  assert.equal(b.length, 4);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-4, `step ${i + 1}: cpu ${x} vs cuda ${b[i]}`));
  assert.match(readFileSync(join(onGpu.training.output_dir, 'training.log'), 'utf8'), /on cuda:0, float32/);
  const saved = loadCausalLm(onGpu.training.output_dir);
  assert.equal(saved.device, 'cpu');
  saved.dispose();
});

test('cuda fp16: float16 autocast with loss scaling trains, logs the scale, checkpoints the scaler, and resumes', { skip }, async () => {
  const f32 = sftConfig({ max_steps: 6, device: 'cuda', save_steps: 3 });
  const full = sftConfig({ max_steps: 6, device: 'cuda', fp16: true, save_steps: 3 });
  await runSft(f32, { progress: sink });
  await runSft(full, { progress: sink });
  const [l32, l16] = [losses(f32.training.output_dir), losses(full.training.output_dir)];
  // float16 rounds activations to 11 bits: the first loss (fresh weights) agrees to about 1e-3.
  assert.ok(Math.abs(l16[0]! - l32[0]!) < 1e-2 * l32[0]!, `first loss fp16 ${l16[0]} vs fp32 ${l32[0]}`);
  assert.ok(l16[5]! < l16[0]!, `fp16 loss ${l16[0]} -> ${l16[5]}`);
  assert.ok(rows(full.training.output_dir).every((r) => r['loss_scale'] === 65536), 'no overflow at the default scale on this model');
  assert.match(readFileSync(join(full.training.output_dir, 'training.log'), 'utf8'), /float16 autocast with loss scaling/);
  const ckpt = join(full.training.output_dir, 'checkpoint-3');
  assert.deepEqual(JSON.parse(readFileSync(join(ckpt, 'scaler.json'), 'utf8')).scale, 65536);
  assert.ok(Object.keys(JSON.parse(readFileSync(join(ckpt, 'rng_state.json'), 'utf8'))).includes('cuda:0'));

  // The logged gradient norm is the true (unscaled, token-averaged) one: at step 1 (same weights) it
  // equals float32's, with the whole batch in one micro-batch or accumulated over two. (One example
  // per micro-batch would overflow at 2^16, as in PyTorch: a lone token's logit gradient reaches
  // 2^16 · (1 - p) > 65504; the scaler would skip that step and back off.)
  const accumulated = sftConfig({ max_steps: 1, device: 'cuda', fp16: true, per_device_train_batch_size: 2, gradient_accumulation_steps: 2 });
  await runSft(accumulated, { progress: sink });
  const norm32 = rows(f32.training.output_dir)[0]!['grad_norm'] as number;
  for (const out of [full.training.output_dir, accumulated.training.output_dir]) {
    const norm16 = rows(out)[0]!['grad_norm'] as number;
    assert.ok(Math.abs(norm16 - norm32) < 2e-2 * norm32, `step-1 grad norm fp16 ${norm16} vs fp32 ${norm32}\n${readFileSync(join(out, 'training.log'), 'utf8')}`);
  }

  const killed = sftConfig({ max_steps: 6, device: 'cuda', fp16: true, save_steps: 3 });
  cpSync(ckpt, join(killed.training.output_dir, 'checkpoint-3'), { recursive: true });
  await runSft(killed, { progress: sink, resume: 'latest' });
  const lk = losses(killed.training.output_dir);
  // GPU kernels may reduce in another order from run to run: equal to float16 precision.
  lk.forEach((x, i) => assert.ok(Math.abs(x - l16[i + 3]!) < 1e-3, `step ${i + 4}: resumed ${x} vs uninterrupted ${l16[i + 3]}`));
  assert.ok(existsSync(join(killed.training.output_dir, 'model.safetensors')));
});

test('cuda fp16: a real float16 gradient overflow skips the update and halves the scale; the next scale steps', { skip }, () => {
  withDefaultDevice('cuda', () => {
    const model = loadCausalLm(MODEL);
    const params = model.trainableParameters();
    const opt = new AdamW(params, { lr: 1e-3 });
    const sched = new LrScheduler(opt, linearWithWarmup({ warmupSteps: 0, totalSteps: 10 }));
    const scaler = new GradScaler({ initScale: 2 ** 100 }); // float32 holds it; float16 gradients (max 65504) cannot
    const ids = tensor([[1, 5, 9, 2, 7, 4, 3, 8]]);
    const lossOf = () => ({ loss: autocast(() => model.forward({ inputIds: ids }).logits.logSoftmax(-1).mean().neg(), { device: 'cuda', dtype: 'float16' }) });
    const before = keep(noGrad(() => params[0]!.detach().clone()));
    backwardScoped(lossOf, (l) => scaler.scale(l));
    const overflow = applyUpdate(1, params, opt, sched, 1.0, scaler);
    assert.equal(overflow.skipped, true);
    assert.equal(scaler.getScale(), 2 ** 99);
    assert.equal(tidy(() => params[0]!.sub(before).abs().max().item()), 0);
    scaler.update(2 ** 16);
    backwardScoped(lossOf, (l) => scaler.scale(l));
    const clean = applyUpdate(2, params, opt, sched, 1.0, scaler);
    assert.equal(clean.skipped, false);
    assert.ok(Number.isFinite(clean.gradNorm) && clean.gradNorm > 0);
    assert.ok(tidy(() => params[0]!.sub(before).abs().max().item()) > 0);
    model.dispose();
  });
});
