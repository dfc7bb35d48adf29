/**
 * `npm run bench -- pretrain [--steps N]`: an MLM step and a SimCLR step (forward, backward, AdamW)
 * of a BERT encoder, rlhf-ts beside PyTorch + transformers (bench/pretrain_torch.py, where python
 * imports both) on the same weights (saved here, loaded there) and the same inputs. Shape: hidden
 * 512, 6 layers, 8 heads, intermediate 2048, vocabulary 30,522 (BERT's): 35.1 M parameters; MLM
 * batch 16 x 128 tokens with 15% masked (80/10/10), SimCLR 2 views x 16 x 64 tokens. Prints
 * tokens/s and the ratio.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ntXentLoss, poolEmbeddings, ProjectionHead } from '../src/contrastive/index.js';
import { maskTokens } from '../src/data/index.js';
import { BertForMaskedLM, bertConfig, savePretrained } from '../src/models/index.js';
import * as F from '../src/nn/functional.js';
import { AdamW } from '../src/optim/index.js';
import { getNumThreads, manualSeed, ones, randint, setNumThreads, tensor, tidy } from '../src/tensor/index.js';
import { findTransformersPython, runPythonJson } from './python.js';
import { fmt, median, seconds, table } from './stats.js';

const THREADS = Number(process.env.RLHF_BENCH_THREADS ?? 2);
const SCRIPT = fileURLToPath(new URL('../../bench/pretrain_torch.py', import.meta.url));
const MLM = { batch: 16, length: 128 };
const SIMCLR = { batch: 16, length: 64 };

interface TorchFigures { torch: string; transformers: string; threads: number; mlm_step_s: number; simclr_step_s: number }

export function runPretrainBench(args: string[]): void {
  const steps = Number(args[args.indexOf('--steps') + 1] ?? 6) || 6;
  setNumThreads(THREADS);
  manualSeed(0);
  const config = bertConfig({ vocabSize: 30522, hiddenSize: 512, numLayers: 6, numHeads: 8, intermediateSize: 2048, maxPositionEmbeddings: 512 });
  const mlm = BertForMaskedLM.fromConfig(config);
  const dir = mkdtempSync(join(tmpdir(), 'bench-bert-'));
  savePretrained(mlm, dir);
  const params = mlm.parameters().reduce((n, p) => n + p.numel, 0);
  // Inputs: random ids (specials 0..4 left out), masked once, shared with the Python side.
  const rows = randint(5, config.vocabSize, [MLM.batch, MLM.length], { dtype: 'int64' }).toArray() as number[][];
  const masked = maskTokens(rows, { maskTokenId: 4, vocabSize: config.vocabSize, specialIds: [0, 1, 2, 3, 4], seed: 1 });
  const view = () => randint(5, config.vocabSize, [SIMCLR.batch, SIMCLR.length], { dtype: 'int64' });
  const [view1, view2] = [view(), view()];
  const inputsFile = join(dir, 'inputs.json');
  writeFileSync(inputsFile, JSON.stringify({ masked_ids: masked.inputIds, labels: masked.labels, view1: view1.toArray(), view2: view2.toArray() }));

  const time = (step: () => void) => {
    const t = Array.from({ length: steps }, () => seconds(step));
    return median(t.slice(1));
  };
  // MLM: the trainer's step (the head on the masked positions only).
  mlm.train();
  let opt = new AdamW(mlm.trainableParameters(), { lr: 1e-4 });
  const ids = tensor(masked.inputIds, { dtype: 'int64' });
  const labels = tensor(masked.labels, { dtype: 'int64' }).reshape(-1);
  const attention = ones([MLM.batch, MLM.length], { dtype: 'int64' });
  const maskedRows = labels.ne(-100).nonzero().squeeze(-1);
  const mlmS = time(() => tidy(() => {
    const hidden = mlm.base.forward({ inputIds: ids, attentionMask: attention }).hiddenStates;
    const logits = mlm.predict(hidden.reshape(-1, config.hiddenSize).indexSelect(0, maskedRows));
    F.crossEntropy(logits, labels.indexSelect(0, maskedRows)).backward();
    opt.step();
    opt.zeroGrad();
  }));
  opt.dispose();
  // SimCLR: the BERT trunk (its pooler unused), mean pooling, projection head, NT-Xent.
  const head = new ProjectionHead(config.hiddenSize, { projectionDim: 128 });
  opt = new AdamW([...mlm.base.trainableParameters(), ...head.trainableParameters()], { lr: 1e-4 });
  const vmask = ones([SIMCLR.batch, SIMCLR.length], { dtype: 'int64' });
  const z = (v: typeof view1) => head.forward(poolEmbeddings(mlm.base.forward({ inputIds: v, attentionMask: vmask }).hiddenStates, vmask, 'mean'));
  const simclrS = time(() => tidy(() => {
    ntXentLoss(z(view1), z(view2), { temperature: 0.07 }).loss.backward();
    opt.step();
    opt.zeroGrad();
  }));

  const python = findTransformersPython();
  const torch = python === null ? null : runPythonJson<TorchFigures>(python, SCRIPT, [dir, inputsFile, String(THREADS), String(steps)]);
  const mlmTokens = MLM.batch * MLM.length;
  const simclrTokens = 2 * SIMCLR.batch * SIMCLR.length;
  console.log(`rlhf-ts pretrain bench: BERT ${params.toLocaleString('en-US')} parameters (hidden 512, 6 layers, vocab 30,522), ${getNumThreads()} threads, median of steps 2..${steps}${torch === null ? '' : `; torch ${torch.torch}, transformers ${torch.transformers}`}`);
  const row = (name: string, tokens: number, ours: number, theirs: number | undefined) => [
    name, fmt(tokens / ours, 0), theirs === undefined ? '-' : fmt(tokens / theirs, 0), theirs === undefined ? '-' : `${fmt(theirs / ours)}x`,
  ];
  table(['step', 'rlhf-ts tokens/s', 'PyTorch tokens/s', 'speed-up'], [
    row(`MLM ${MLM.batch} x ${MLM.length}`, mlmTokens, mlmS, torch?.mlm_step_s),
    row(`SimCLR 2 x ${SIMCLR.batch} x ${SIMCLR.length}`, simclrTokens, simclrS, torch?.simclr_step_s),
  ]);
  if (torch === null) console.log('(python3 with torch and transformers not found: rlhf-ts rows only; RLHF_BENCH_PYTHON=/path/to/python to compare)');
}
