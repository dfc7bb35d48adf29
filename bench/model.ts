/**
 * `npm run bench -- model`: the benchmark Qwen2 model (vocab 512, hidden 256, intermediate 704,
 * 4 layers, 8 heads, 4 KV heads, fp32): training tokens/s (forward + backward + AdamW, batch 8 x
 * 256) and greedy generation tokens/s (batch 8, 32-token prompts, 64 new tokens, KV cache),
 * beside PyTorch + transformers on the same work where python3 imports both.
 */
import { fileURLToPath } from 'node:url';
import { generate } from '../src/generation/index.js';
import { buildInfo, F, getNumThreads, manualSeed, noGrad, randint, setNumThreads, tidy } from '../src/index.js';
import { CausalLM, decoderConfig, type DecoderConfig } from '../src/models/index.js';
import { AdamW } from '../src/optim/index.js';
import { findTransformersPython, runPythonJson } from './python.js';
import { fmt, median, seconds, table } from './stats.js';

interface TorchFigures {
  torch: string;
  transformers: string;
  threads: number;
  train_step_s: number;
  generate_s: number;
}

const THREADS = Number(process.env.RLHF_BENCH_THREADS ?? 2);

/**
 * The benchmark model of the issues (PEER-BASELINE.md): Qwen2 layout, vocab 512 (the fixture
 * tokenizer's), hidden 256, intermediate 704, 4 layers, 8 heads / 4 KV heads, tied embeddings,
 * float32: 3,084,544 parameters.
 */
export function benchModelConfig(): DecoderConfig {
  return decoderConfig({ modelType: 'qwen2', qkvBias: true, vocabSize: 512, hiddenSize: 256, intermediateSize: 704,
    numLayers: 4, numHeads: 8, numKvHeads: 4, eosTokenId: 2, padTokenId: 3 });
}

export function runModel(): void {
  setNumThreads(THREADS);
  manualSeed(0);
  const info = buildInfo();
  console.log(`rlhf-ts model bench: libtorch ${info.torchVersion}, ${getNumThreads()} threads`);
  const python = findTransformersPython();
  let torch: TorchFigures | null = null;
  if (python) {
    torch = runPythonJson<TorchFigures>(python, fileURLToPath(new URL('../../bench/model_torch.py', import.meta.url)), [String(THREADS)]);
    console.log(`PyTorch side by side: ${python}, torch ${torch.torch}, transformers ${torch.transformers}, ${torch.threads} threads`);
  } else {
    console.log('PyTorch side by side: skipped (no python3 that imports torch and transformers)');
  }

  const lm = CausalLM.fromConfig(benchModelConfig());
  console.log(`model: Qwen2 layout, ${lm.numParameters()} parameters`);

  const opt = new AdamW(lm.parameters(), { lr: 1e-4 });
  const ids = randint(4, 512, [8, 256]);
  const steps: number[] = [];
  for (let i = 0; i < 13; i++) {
    steps.push(seconds(() => tidy(() => {
      const logits = lm.forward({ inputIds: ids }).logits;
      F.crossEntropy(logits.slice(1, 0, -1).reshape(-1, 512), ids.slice(1, 1).reshape(-1)).backward();
      opt.step();
      opt.zeroGrad();
    })));
  }
  const trainStep = median(steps.slice(3));

  lm.eval();
  const prompts = randint(4, 512, [8, 32]).toArray() as number[][];
  const gens: number[] = [];
  for (let i = 0; i < 8; i++) {
    gens.push(seconds(() => noGrad(() => generate(lm, prompts, { maxNewTokens: 64, minNewTokens: 64, doSample: false }))));
  }
  const genS = median(gens.slice(1));

  const trainTok = (8 * 256) / trainStep;
  const genTok = (8 * 64) / genS;
  const rows: (string | number)[][] = [
    ['train tokens/s', fmt(trainTok, 0), torch ? fmt((8 * 256) / torch.train_step_s, 0) : '-', torch ? `${fmt(torch.train_step_s / trainStep)}x` : '-'],
    ['generate new tokens/s', fmt(genTok, 0), torch ? fmt((8 * 64) / torch.generate_s, 0) : '-', torch ? `${fmt(torch.generate_s / genS)}x` : '-'],
  ];
  table(['', 'rlhf-ts', 'PyTorch/transformers', 'rlhf-ts / PyTorch'], rows);
  ids.dispose();
  opt.dispose();
  lm.dispose();
}
