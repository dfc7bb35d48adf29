/**
 * Benchmarks: `npm run bench -- <suite>` (suites: core, model, train, rl, scale, ddp, checkpointing, logprobs, pretrain). Figures, not tests: each suite prints
 * side-by-side rows against the limit (native libtorch called from C++) and, where
 * `python3 -c 'import torch'` works, against PyTorch eager on the same work.
 */
import { runCheckpointing } from './checkpointing.js';
import { runCore } from './core.js';
import { runDdp } from './ddp.js';
import { runLogprobs } from './logprobs.js';
import { runPretrainBench } from './pretrain.js';
import { runModel } from './model.js';
import { runRl } from './rl.js';
import { runScale } from './scale.js';
import { runTrain } from './train.js';

const suites: Record<string, () => void | Promise<void>> = { core: runCore, model: runModel, train: runTrain, rl: runRl, scale: () => runScale(process.argv.slice(3)), ddp: () => runDdp(process.argv.slice(3)), checkpointing: () => runCheckpointing(process.argv.slice(3)), logprobs: runLogprobs, pretrain: () => runPretrainBench(process.argv.slice(3)) };

const name = process.argv[2] ?? 'core';
const suite = suites[name];
if (suite === undefined) {
  console.error(`unknown bench suite '${name}'; available: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
await suite();
