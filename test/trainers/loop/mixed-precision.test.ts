/**
 * The loop's float16 machinery, checked on the CPU where it does not need float16 itself:
 * loss scaling through applyUpdate (unscaled norms, skipped overflow steps that leave the
 * parameters and the schedule alone), the scaler in checkpoints, and the config errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { cuda, tensor, tidy, type Tensor } from '../../../src/index.js';
import { AdamW, GradScaler, linearWithWarmup, LrScheduler } from '../../../src/optim/index.js';
import { loadTrainingState, saveTrainingState } from '../../../src/checkpoint/index.js';
import { applyUpdate, backwardScoped } from '../../../src/trainers/loop/update.js';
import { resolveTrainingDevice } from '../../../src/trainers/loop/device.js';
import { runSft } from '../../../src/trainers/sft/index.js';
import { refAdam } from '../../optim/reference.js';

const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

function setup(initScale: number) {
  const p = tensor([1, -2, 3], { dtype: 'float32', requiresGrad: true });
  const opt = new AdamW([p], { lr: 0.1, weightDecay: 0 });
  const sched = new LrScheduler(opt, linearWithWarmup({ warmupSteps: 0, totalSteps: 10 }));
  return { p, opt, sched, scaler: new GradScaler({ initScale }) };
}

test('fp16 update: gradients are unscaled before clipping, the norm is the true one, and the step equals AdamW on the clipped gradient', () => {
  const { p, opt, sched, scaler } = setup(1024);
  // loss = sum(p^2) -> gradient 2p = [2, -4, 6], norm 2*sqrt(14).
  backwardScoped(() => ({ loss: p.mul(p).sum() }), (loss) => scaler.scale(loss));
  const r = applyUpdate(1, [p], opt, sched, 1.0, scaler);
  assert.equal(r.skipped, false);
  assert.ok(Math.abs(r.gradNorm - 2 * Math.sqrt(14)) < 1e-5, `norm ${r.gradNorm}`);
  assert.equal(r.lr, 0.1);
  const clip = 1 / (2 * Math.sqrt(14) + 1e-6);
  const [want] = refAdam([1, -2, 3], [[2 * clip, -4 * clip, 6 * clip]], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupled: true });
  values(p).forEach((x, i) => assert.ok(Math.abs(x - want![i]!) < 1e-6, `p[${i}] ${x} vs ${want![i]}`));
  assert.equal(scaler.getScale(), 1024);
  assert.ok(Math.abs(sched.getLastLr()[0]! - 0.09) < 1e-12, 'the schedule advanced');
  assert.equal(p.grad, null);
});

test('fp16 update: an overflowed gradient skips the optimizer and the schedule, backs the scale off, and clears the gradients', () => {
  const { p, opt, sched, scaler } = setup(1024);
  const before = values(p);
  backwardScoped(() => ({ loss: p.mul(tensor([Infinity, 1, 1])).sum() }), (loss) => scaler.scale(loss));
  const r = applyUpdate(7, [p], opt, sched, 1.0, scaler);
  assert.equal(r.skipped, true);
  assert.equal(r.gradNorm, Infinity);
  assert.deepEqual(values(p), before);
  assert.equal(scaler.getScale(), 512);
  assert.equal(sched.getLastLr()[0], 0.1, 'the schedule did not advance');
  assert.equal(p.grad, null);
  // Without a scaler the same gradient is divergence, named by step.
  const plain = setup(1);
  tidy(() => {
    plain.p.grad = tensor([Infinity, 0, 0]);
  });
  assert.throws(() => applyUpdate(7, [plain.p], plain.opt, plain.sched, 1.0), /training diverged at step 7: the gradient norm is Infinity/);
});

test('the scaler rides in checkpoints: scaler.json round-trips, and a checkpoint without one keeps the initial scale', () => {
  const a = setup(2 ** 16);
  a.scaler.update(300); // as after backoffs
  const dir = mkdtempSync(join(tmpdir(), 'scaler-'));
  saveTrainingState(dir, { optimizer: a.opt, scheduler: a.sched, scaler: a.scaler });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'scaler.json'), 'utf8')), { scale: 300, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, growthTracker: 0 });
  const b = setup(2 ** 16);
  loadTrainingState(dir, { optimizer: b.opt, scheduler: b.sched, scaler: b.scaler });
  assert.equal(b.scaler.getScale(), 300);
  const plainDir = mkdtempSync(join(tmpdir(), 'noscaler-'));
  saveTrainingState(plainDir, { optimizer: a.opt, scheduler: a.sched, scaler: new GradScaler({ enabled: false }) });
  assert.equal(existsSync(join(plainDir, 'scaler.json')), false);
  const c = setup(2 ** 16);
  loadTrainingState(plainDir, { optimizer: c.opt, scheduler: c.sched, scaler: c.scaler });
  assert.equal(c.scaler.getScale(), 2 ** 16);
});

test('training.device and training.fp16: bad values and impossible combinations are refused with the fix', async () => {
  assert.throws(() => RunConfig.parse({ training: { device: 'gpu' } }), /use 'auto', 'cpu', 'cuda' or 'cuda:N'/);
  assert.throws(() => RunConfig.parse({ training: { bf16: true, fp16: true } }), /bf16 and fp16 are both true/);
  assert.throws(() => resolveTrainingDevice({ device: 'cpu', fp16: true }), /training.fp16 needs a CUDA device, but training.device is 'cpu'; on the CPU set training.bf16: true/);
  assert.equal(resolveTrainingDevice({ device: 'cpu', fp16: false }), 'cpu');
  assert.equal(resolveTrainingDevice({ device: 'auto', fp16: false }, 'cpu'), 'cpu');
  if (!cuda.isAvailable()) {
    assert.equal(resolveTrainingDevice({ device: 'auto', fp16: false }), 'cpu');
    assert.throws(() => resolveTrainingDevice({ device: 'auto', fp16: true }), /needs a CUDA device, but this libtorch sees no CUDA device/);
    const data = join(mkdtempSync(join(tmpdir(), 'fp16-data-')), 'train.jsonl');
    writeFileSync(data, '{"prompt": "a", "response": "b"}\n');
    const config = RunConfig.parse({ model: { name_or_path: 'test/fixtures/models/tiny-qwen2' }, training: { device: 'cuda' }, data: { datasets: { sft: { train_files: [{ path: data }] } } } });
    await assert.rejects(runSft(config), /training\.device: 'cuda' asked for, but this libtorch has no usable CUDA device/);
  }
});
