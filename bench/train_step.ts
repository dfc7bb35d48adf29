/**
 * Training steps of one configuration on a real-size checkpoint, in its own process so its peak
 * RSS is its own, with each step split into phases:
 *
 *   node dist/bench/train_step.js <sft|dpo|grpo> MODEL_DIR [--bf16] [--lora R] [--plain]
 *        [--checkpointing] [--steps N] [--batch B] [--length T] [--threads N]   -> one JSON line
 *
 * A step is what the Trainer does (loss reported per unit: token mean for SFT, pair mean for DPO) for one micro-batch: the algorithm's loss (sftAlgorithm /
 * dpoAlgorithm with a frozen reference copy / GRPO's clipped objective on a fixed rollout of
 * half prompt, half completion, beta 0 as TRL's default), backward, gradients divided by the
 * step's units, clipping at 1.0, AdamW (lr 1e-5, no decay), gradients freed. Phases are timed
 * with the RSS after each, and the process's CPU seconds per step (user + system: steadier than wall time on
 * a shared machine); step 1 is a warm-up and not reported. --plain runs the logits path
 * (model.fusedLmLoss = false) for comparison. bench/train_step_trl.py is TRL's twin.
 */
import type { PreferenceExample, TokenizedExample } from '../src/data/index.js';
import { applyLora } from '../src/nn/index.js';
import { causalLmCompletionLogps, loadCausalLm } from '../src/models/index.js';
import { AdamW, clipGradNorm } from '../src/optim/index.js';
import { grpoLoss } from '../src/rl/index.js';
import { autocast, cpuMemory, manualSeed, noGrad, resetCpuMemoryPeak, setNumThreads, tensor, tidy, type Tensor } from '../src/tensor/index.js';
import { dpoAlgorithm } from '../src/trainers/dpo/index.js';
import type { Algorithm, LossOutput } from '../src/trainers/loop/index.js';
import { sftAlgorithm } from '../src/trainers/sft/index.js';
import { GradientCheckpoint } from '../src/nn/checkpoint.js';

type Mode = 'sft' | 'dpo' | 'grpo';
const PAD = 0;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function seededIds(n: number, vocab: number, state: { s: number }): number[] {
  return Array.from({ length: n }, () => {
    state.s = (state.s * 1103515245 + 12345) % 2 ** 31;
    return 1 + (state.s % (vocab - 1));
  });
}

interface GrpoBatch { inputIds: Tensor; attentionMask: Tensor; completionIds: Tensor; completionMask: Tensor; advantages: Tensor }

function grpoLossOf(model: ReturnType<typeof loadCausalLm>, b: GrpoBatch): LossOutput {
  const logps = causalLmCompletionLogps(model, { inputIds: b.inputIds, attentionMask: b.attentionMask }, b.completionIds, b.completionMask);
  const numItems = b.completionMask.sum().item();
  const out = grpoLoss({ perTokenLogps: logps, advantages: b.advantages, completionMask: b.completionMask }, { beta: 0, lossType: 'dapo', numItemsInBatch: numItems });
  return { loss: out.loss, numTokens: 1, tokens: b.attentionMask.sum().item() };
}

async function main(): Promise<void> {
  const [mode, modelDir] = process.argv.slice(2) as [Mode, string];
  if (!['sft', 'dpo', 'grpo'].includes(mode) || !modelDir) throw new Error('usage: train_step.js <sft|dpo|grpo> MODEL_DIR [--bf16] [--lora R] [--plain] [--steps N] [--batch B] [--length T] [--threads N]');
  const bf16 = process.argv.includes('--bf16');
  const plain = process.argv.includes('--plain');
  const checkpointing = process.argv.includes('--checkpointing');
  const loraRank = flag('lora', 0);
  const steps = flag('steps', 3);
  const batch = flag('batch', 2);
  const length = flag('length', 512);
  setNumThreads(flag('threads', 2));
  manualSeed(0);
  const t0 = performance.now();
  const model = loadCausalLm(modelDir);
  const loadSeconds = (performance.now() - t0) / 1000;
  if (loraRank > 0) applyLora(model, { r: loraRank, alpha: 2 * loraRank, targetModules: 'all-linear' });
  model.fusedLmLoss = !plain;
  const vocab = model.config.vocabSize;
  const rng = { s: 1234 };
  const half = length / 2;
  let lossOf: () => LossOutput;
  if (mode === 'sft') {
    const algorithm: Algorithm<TokenizedExample> = sftAlgorithm(model, PAD);
    const examples = Array.from({ length: batch }, () => {
      const ids = seededIds(length, vocab, rng);
      return { inputIds: ids, completionMask: ids.map(() => 1), labels: [...ids], promptLength: 0, truncated: false };
    });
    lossOf = () => algorithm.loss(examples);
  } else if (mode === 'dpo') {
    // The reference: a frozen copy (with LoRA: the policy with adapters disabled), as TRL.
    const reference = loraRank > 0 ? ('adapters-disabled' as const) : loadCausalLm(modelDir);
    if (reference !== 'adapters-disabled') reference.fusedLmLoss = !plain;
    const algorithm: Algorithm<PreferenceExample> = dpoAlgorithm(model, { reference, padTokenId: PAD, beta: 0.1, lossType: 'sigmoid' });
    const examples = Array.from({ length: batch }, () => ({ promptIds: seededIds(half, vocab, rng), chosenIds: seededIds(half, vocab, rng), rejectedIds: seededIds(half, vocab, rng), truncated: false }));
    lossOf = () => algorithm.loss(examples);
  } else {
    const rows = Array.from({ length: batch }, () => seededIds(length, vocab, rng));
    const b: GrpoBatch = {
      inputIds: tensor(rows, { dtype: 'int64' }),
      attentionMask: tensor(rows.map((r) => r.map(() => 1)), { dtype: 'int64' }),
      completionIds: tensor(rows.map((r) => r.slice(half)), { dtype: 'int64' }),
      completionMask: tensor(rows.map((r) => r.slice(half).map(() => 1)), { dtype: 'float32' }),
      advantages: tensor(rows.map((_, i) => (i % 2 === 0 ? 1 : -1)), { dtype: 'float32' }),
    };
    lossOf = () => grpoLossOf(model, b);
  }
  const params = model.trainableParameters();
  const optimizer = new AdamW(params, { lr: 1e-5, weightDecay: 0 });
  const rss = () => process.memoryUsage.rss() / 2 ** 30;
  const phases: { cpu: number; forward: number; backward: number; update: number; total: number; rssForward: number; rssBackward: number; rssUpdate: number; tokens: number; loss: number }[] = [];
  let peakTensorBytes = 0;
  for (let step = 1; step <= steps; step++) {
    resetCpuMemoryPeak();
    const a = performance.now();
    const cpuStart = process.cpuUsage();
    const precision = <T>(fn: () => T): T => (bf16 ? autocast(fn, { dtype: 'bfloat16' }) : fn());
    const ckpt = checkpointing ? new GradientCheckpoint() : null;
    const out = tidy(() => (ckpt === null ? precision(lossOf) : ckpt.run(() => precision(lossOf))));
    const b = performance.now();
    const rssForward = rss();
    tidy(() => out.loss.backward());
    ckpt?.backward(precision);
    ckpt?.dispose();
    const loss = out.loss.item();
    out.loss.dispose();
    const c = performance.now();
    const rssBackward = rss();
    tidy(() => noGrad(() => { for (const p of params) p.grad?.mul_(1 / out.numTokens); }));
    clipGradNorm(params, 1.0);
    tidy(() => optimizer.step());
    optimizer.zeroGrad();
    const d = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    if (step > 1) peakTensorBytes = Math.max(peakTensorBytes, cpuMemory().peak);
    phases.push({ cpu: (cpu.user + cpu.system) / 1e6, forward: (b - a) / 1000, backward: (c - b) / 1000, update: (d - c) / 1000, total: (d - a) / 1000, rssForward, rssBackward, rssUpdate: rss(), tokens: out.tokens ?? out.numTokens, loss: loss / out.numTokens });
  }
  const timed = phases.slice(1);
  const seconds = timed.reduce((s, p) => s + p.total, 0);
  const tokens = timed.reduce((s, p) => s + p.tokens, 0);
  console.log(JSON.stringify({
    side: 'rlhf-ts', mode, precision: bf16 ? 'bf16' : 'fp32', lora: loraRank, fused: !plain, checkpointing, batch, length, loadSeconds,
    firstLoss: phases[0]?.loss, tokensPerSecond: tokens / seconds, secondsPerStep: seconds / timed.length,
    cpuSecondsPerStep: timed.reduce((s, p) => s + p.cpu, 0) / timed.length,
    maxRssGiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 30, peakTensorGiB: peakTensorBytes / 2 ** 30, phases,
  }));
}

await main();
