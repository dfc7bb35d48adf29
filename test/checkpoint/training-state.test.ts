import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { manualSeed, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import { AdamW, linearWithWarmup, LrScheduler } from '../../src/optim/index.js';
import { CheckpointManager, loadTrainingState, saveTrainingState } from '../../src/checkpoint/index.js';

const GRADS = [[0.3, -1.2, 0.7], [-0.5, 0.9, 0.1], [1.4, 0.2, -0.8], [0.05, -0.6, 0.33], [-1.1, 0.45, 0.2]];

function setup(values: number[]): { p: Tensor; opt: AdamW; sched: LrScheduler } {
  const p = tensor(values, { dtype: 'float32', requiresGrad: true });
  const opt = new AdamW([p], { lr: 0.05, weightDecay: 0.1 });
  const sched = new LrScheduler(opt, linearWithWarmup({ warmupSteps: 2, totalSteps: 10 }));
  return { p, opt, sched };
}
function step({ p, opt, sched }: ReturnType<typeof setup>, i: number): void {
  tidy(() => {
    p.grad = tensor(GRADS[i]!, { dtype: 'float32' });
  });
  tidy(() => opt.step());
  sched.step();
  opt.zeroGrad();
}
const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);
const draw = (): number[] => tidy(() => values(randn([4])));

test('optimizer + scheduler + RNG round trip through a checkpoint continues bit-exactly', () => {
  manualSeed(1234);
  const a = setup([0.1, -0.2, 0.3]);
  for (let i = 0; i < 3; i++) step(a, i);
  const m = new CheckpointManager(mkdtempSync(join(tmpdir(), 'ckpt-')));
  const dir = m.save(3, (tmp) => saveTrainingState(tmp, { optimizer: a.opt, scheduler: a.sched }));
  for (const f of ['optimizer.safetensors', 'optimizer.json', 'scheduler.json', 'rng_state.json']) assert.ok(existsSync(join(dir, f)), f);
  for (let i = 3; i < 5; i++) step(a, i);
  const continued = { params: values(a.p), lr: a.opt.paramGroups[0]!.lr, random: draw() };

  manualSeed(999); // a fresh process: other seed, fresh optimizer over the checkpointed params
  const resume = m.resolveResume('latest');
  assert.equal(resume.state.globalStep, 3);
  const b = setup([0, 0, 0]);
  // The params at step 3, as a model checkpoint would restore them.
  const ref = setup([0.1, -0.2, 0.3]);
  for (let i = 0; i < 3; i++) step(ref, i);
  tidy(() => b.p.detach().copy_(ref.p.detach()));
  loadTrainingState(resume.dir, { optimizer: b.opt, scheduler: b.sched });
  assert.equal(b.sched.lastStep, 3);
  for (let i = 3; i < 5; i++) step(b, i);
  assert.deepEqual(values(b.p), continued.params);
  assert.equal(b.opt.paramGroups[0]!.lr, continued.lr);
  assert.deepEqual(draw(), continued.random);
});
