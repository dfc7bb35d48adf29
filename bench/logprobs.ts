/**
 * `npm run bench -- logprobs`: the loss part of an RL step at a 32k vocabulary, chunked against
 * unchunked, in one process: peak CPU tensor memory (the addon's allocator count, exact) and
 * seconds per forward + backward. Model: the benchmark model's layout (bench/model.ts) with a
 * 32,000-token vocabulary (11.3 M parameters, tied head); 8 completions of 64 prompt + 256
 * completion tokens (a GRPO group).
 *  - GRPO: log-probs of the completion tokens, loss −Σ A·log p. Chunked: the fused head
 *    (models/lm-loss.ts). Unchunked: logits (8, 256, 32000) then log_softmax and gather, as TRL's
 *    per-row selective_log_softmax ends up holding for backward.
 *  - PPO: log-probs and entropies (loss −Σ A·log p − 0.01·H). Chunked: causalLmCompletionStats.
 *    Unchunked: log_softmax over the logits, gather, and −Σ p log p.
 */
import { causalLmCompletionLogps, causalLmCompletionStats, CausalLM, decoderConfig } from '../src/models/index.js';
import { cpuMemory, manualSeed, ones, randint, randn, resetCpuMemoryPeak, setNumThreads, tidy, type Tensor } from '../src/tensor/index.js';
import { fmt, median, seconds, table } from './stats.js';

const SHAPE = { batch: 8, prompt: 64, completion: 256, vocab: 32000, repeats: 3 };

interface Row {
  name: string;
  peakMiB: number;
  seconds: number;
}

function measure(name: string, model: CausalLM, loss: () => Tensor): Row {
  const times: number[] = [];
  let peak = 0;
  for (let r = 0; r < SHAPE.repeats; r++) {
    for (const p of model.parameters()) p.zeroGrad();
    const before = cpuMemory().allocated;
    resetCpuMemoryPeak();
    times.push(seconds(() => tidy(() => loss().backward())));
    peak = Math.max(peak, cpuMemory().peak - before);
  }
  return { name, peakMiB: peak / 2 ** 20, seconds: median(times) };
}

export function runLogprobs(): void {
  setNumThreads(Number(process.env.RLHF_BENCH_THREADS ?? 2));
  manualSeed(0);
  const model = CausalLM.fromConfig(decoderConfig({ modelType: 'qwen2', qkvBias: true, vocabSize: SHAPE.vocab, hiddenSize: 256, intermediateSize: 704, numLayers: 4, numHeads: 8, numKvHeads: 4 }));
  const { batch: B, prompt: P, completion: C } = SHAPE;
  const inputIds = randint(0, SHAPE.vocab, [B, P + C], { dtype: 'int64' });
  const input = { inputIds, attentionMask: ones([B, P + C], { dtype: 'int64' }) };
  const completionIds = inputIds.narrow(1, P, C);
  const mask = ones([B, C]);
  const advantages = randn([B, 1]);
  const composed = () => {
    const logits = model.forward({ ...input, logitsToKeep: C + 1 }).logits.narrow(1, 0, C);
    const logp = logits.logSoftmax(-1);
    return { logp, logps: logp.gather(-1, completionIds.unsqueeze(-1)).squeeze(-1) };
  };
  const rows: Array<[Row, Row]> = [
    [
      measure('GRPO log-probs, chunked (fused head)', model, () => causalLmCompletionLogps(model, input, completionIds, mask).mul(advantages).sum().neg()),
      measure('GRPO log-probs, unchunked (log_softmax)', model, () => composed().logps.mul(advantages).sum().neg()),
    ],
    [
      measure('PPO log-probs + entropy, chunked', model, () => {
        const s = causalLmCompletionStats(model, input, completionIds, mask);
        return s.logps.mul(advantages).sum().neg().sub(s.entropy.sum().mul(0.01));
      }),
      measure('PPO log-probs + entropy, unchunked', model, () => {
        const { logp, logps } = composed();
        return logps.mul(advantages).sum().neg().sub(logp.exp().mul(logp).sum({ dim: -1 }).neg().sum().mul(0.01));
      }),
    ],
  ];
  console.log(`rlhf-ts logprobs bench: vocab ${SHAPE.vocab}, ${B} x (${P} + ${C}) tokens, ${model.parameters().reduce((n, p) => n + p.numel, 0).toLocaleString('en-US')} parameters, forward + backward`);
  table(['work', 'peak tensor MiB', 's/step', 'peak vs unchunked'], rows.flatMap(([chunked, plain]) => [
    [chunked.name, fmt(chunked.peakMiB, 1), fmt(chunked.seconds, 3), `${fmt((chunked.peakMiB / plain.peakMiB) * 100, 0)}%`],
    [plain.name, fmt(plain.peakMiB, 1), fmt(plain.seconds, 3), '100%'],
  ]));
}
