/**
 * The tensor core in one page: `npm run build:ts && node dist/examples/tensor-basics.js`.
 * Fits y = 3x - 1 with autograd and AdamW, inside tidy() scopes, and saves the weights.
 */
import { AdamW, manualSeed, memory, randn, saveSafetensors, loadSafetensors, tensor, tidy, F } from 'rlhf-ts';

manualSeed(0);
const w = randn([1], { requiresGrad: true });
const b = randn([1], { requiresGrad: true });
const opt = new AdamW([w, b], { lr: 0.1, weightDecay: 0 });
const x = tensor([[-1], [0], [1], [2]], { dtype: 'float32' });
const y = x.mul(3).sub(1);

for (let step = 1; step <= 200; step++) {
  const loss = tidy(() => {
    const l = F.mseLoss(x.mul(w).add(b), y);
    l.backward();
    opt.step();
    opt.zeroGrad();
    return l.item();
  });
  if (step % 50 === 0) console.log(`step ${step}: loss ${loss.toFixed(6)}`);
}
console.log(`w = ${w.item().toFixed(3)} (3), b = ${b.item().toFixed(3)} (-1), live tensors ${memory().numTensors}`);

saveSafetensors('/tmp/line.safetensors', { w, b });
const loaded = loadSafetensors('/tmp/line.safetensors');
console.log('reloaded w =', loaded.get('w')?.item().toFixed(3));
