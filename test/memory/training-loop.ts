/**
 * A long synchronous training loop on a small model, run in its own process by
 * leak.test.ts so V8's flags can be set: prints one JSON line of memory samples.
 */
import { F, manualSeed, memory, randint, randn, tidy, TransformerBlock } from '../../src/index.js';
import { AdamW, clipGradNorm } from '../../src/optim/index.js';

const WARMUP_STEPS = 1000;
const MEASURED_STEPS = 3000;
const SAMPLE_EVERY = 500;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

manualSeed(0);
const block = new TransformerBlock({ hidden: 32, intermediate: 64, heads: 4, kvHeads: 2 });
const opt = new AdamW(block.parameters(), { lr: 1e-3, weightDecay: 0.01 });
const x = randn([2, 8, 32]);
const target = randint(0, 32, [16]);
const step = (): number =>
  tidy(() => {
    const loss = F.crossEntropy(block.forward(x).reshape(-1, 32), target);
    loss.backward();
    clipGradNorm(block.parameters(), 1.0);
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });

const firstLoss = step(); // optimizer state exists from here on
const baseline = memory();
for (let i = 1; i < WARMUP_STEPS; i++) step();
const samples: { step: number; numTensors: number; numBytes: number; rssMiB: number }[] = [];
let lastLoss = NaN;
for (let i = 0; i <= MEASURED_STEPS; i++) {
  if (i % SAMPLE_EVERY === 0) {
    gc();
    samples.push({ step: WARMUP_STEPS + i, ...memory(), rssMiB: process.memoryUsage().rss / 2 ** 20 });
  }
  if (i < MEASURED_STEPS) lastLoss = step();
}
console.log(JSON.stringify({ baseline, samples, firstLoss, lastLoss }));
