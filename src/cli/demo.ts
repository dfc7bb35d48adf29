/**
 * `rlhf demo`: trains a one-block transformer language model on synthetic arithmetic
 * sequences (each token = previous + a per-sequence step, mod vocab) and prints the loss
 * falling from ln(vocab) towards zero. Exercises the whole core: modules, autograd, AdamW,
 * LR schedule, gradient clipping and tidy() scopes.
 */
import { SingleBar, Presets } from 'cli-progress';
import { AdamW, clipGradNorm, LrScheduler, cosineWithWarmup } from '../optim/index.js';
import { arange, F, manualSeed, memory, randint, tidy, TransformerBlock, Embedding, Linear, RMSNorm, Module,
  type Tensor } from '../index.js';

export interface DemoOptions {
  steps: number;
  batch: number;
  seq: number;
  vocab: number;
  hidden: number;
  lr: number;
  seed: number;
}

export const DEMO_DEFAULTS: DemoOptions = { steps: 200, batch: 16, seq: 32, vocab: 32, hidden: 64, lr: 3e-3, seed: 0 };

class TinyLm extends Module {
  readonly embed: Embedding;
  readonly block: TransformerBlock;
  readonly norm: RMSNorm;
  readonly head: Linear;

  constructor(vocab: number, hidden: number) {
    super();
    this.embed = this.child('embed_tokens', new Embedding(vocab, hidden));
    this.block = this.child('block', new TransformerBlock({ hidden, intermediate: hidden * 3, heads: 4, kvHeads: 2 }));
    this.norm = this.child('norm', new RMSNorm(hidden));
    this.head = this.child('lm_head', new Linear(hidden, vocab, { bias: false }));
  }

  /** ids (B, T) -> logits (B, T, vocab) */
  forward(ids: Tensor): Tensor {
    return this.head.forward(this.norm.forward(this.block.forward(this.embed.forward(ids))));
  }
}

/** A batch of sequences start + step·t (mod vocab), shape (B, T). */
function arithmeticBatch(o: DemoOptions): Tensor {
  return tidy(() => {
    const start = randint(0, o.vocab, [o.batch, 1]);
    const step = randint(1, 4, [o.batch, 1]);
    return start.add(step.mul(arange(o.seq).unsqueeze(0))).remainder(o.vocab);
  });
}

export function runDemo(options: Partial<DemoOptions> = {}): { first: number; last: number } {
  const o = { ...DEMO_DEFAULTS, ...options };
  manualSeed(o.seed);
  const model = new TinyLm(o.vocab, o.hidden);
  const opt = new AdamW(model.parameters(), { lr: o.lr, weightDecay: 0.01 });
  const schedule = new LrScheduler(opt, cosineWithWarmup({ warmupSteps: Math.round(o.steps / 10), totalSteps: o.steps }));
  console.log(`demo: ${model.numParameters()} parameters, ${o.steps} steps of ${o.batch}x${o.seq} tokens, loss starts near ln(${o.vocab}) = ${Math.log(o.vocab).toFixed(3)}`);

  const bar = new SingleBar(
    { format: 'train |{bar}| {value}/{total} steps | {rate} steps/s | ETA {eta}s | loss {loss}', hideCursor: true },
    Presets.shades_classic,
  );
  const interactive = process.stdout.isTTY;
  if (interactive) bar.start(o.steps, 0, { loss: '-', rate: '-' });
  const started = Date.now();
  let first = NaN;
  let last = NaN;
  for (let step = 1; step <= o.steps; step++) {
    last = tidy(() => {
      const ids = arithmeticBatch(o);
      const logits = model.forward(ids.slice(1, 0, -1)); // predict token t+1 from tokens ≤ t
      const loss = F.crossEntropy(logits.reshape(-1, o.vocab), ids.slice(1, 1).reshape(-1));
      loss.backward();
      clipGradNorm(model.parameters(), 1.0);
      opt.step();
      opt.zeroGrad();
      schedule.step();
      return loss.item();
    });
    if (step === 1) first = last;
    const rate = (step / ((Date.now() - started) / 1000)).toFixed(1);
    if (interactive) bar.update(step, { loss: last.toFixed(4), rate });
    else if (step === 1 || step % 25 === 0) console.log(`step ${String(step).padStart(4)}  loss ${last.toFixed(4)}  ${rate} steps/s`);
  }
  if (interactive) bar.stop();
  console.log(`demo: loss ${first.toFixed(4)} -> ${last.toFixed(4)}; live tensors ${memory().numTensors}`);
  model.dispose();
  return { first, last };
}
