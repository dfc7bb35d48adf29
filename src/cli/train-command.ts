/** `rlhf train --config FILE [--set k=v]... [--resume latest|PATH]` */
import { parseArgs } from 'node:util';
import { loadConfig, type RunConfig } from '../config/index.js';
import type { TrainResult } from '../trainers/loop/index.js';
import { currentGroup, withProcessGroup } from '../distributed/index.js';
import { OutOfMemoryError } from '../trainers/loop/out-of-memory.js';
import { memoryAdvice, writeMemoryOptimizedConfig } from '../trainers/loop/memory-advice.js';
import { runDpo } from '../trainers/dpo/index.js';
import { runOrpo } from '../trainers/orpo/index.js';
import { runCpo } from '../trainers/cpo/index.js';
import { runGkd } from '../trainers/gkd/index.js';
import { runKto } from '../trainers/kto/index.js';
import { runReward } from '../trainers/reward/index.js';
import { runSft } from '../trainers/sft/index.js';
import { runPrm } from '../trainers/prm/index.js';
import { runCritic } from '../trainers/critic/index.js';
import { runGrpo, runOnlineDpo, runPpo, runReinforcePp, runRloo } from '../trainers/online/index.js';
import { runPretrain } from '../trainers/pretrain/index.js';
import { runMlm } from '../trainers/mlm/index.js';
import { runContrastive } from '../trainers/contrastive/index.js';

export const TRAIN_USAGE = 'rlhf train --config FILE [--set section.key=value]... [--resume latest|PATH]';

type Runner = (config: RunConfig, options: { resume: string | null; echo: boolean }) => Promise<Pick<TrainResult, 'globalStep' | 'outputDir'>>;

/** The algorithms `rlhf train` can run today, by training.algorithm. */
const RUNNERS: Partial<Record<RunConfig['training']['algorithm'], Runner>> = {
  sft: runSft,
  reward: runReward,
  dpo: runDpo,
  orpo: runOrpo,
  cpo: runCpo,
  gkd: runGkd,
  kto: runKto,
  prm: runPrm,
  critic: runCritic,
  grpo: runGrpo,
  online_dpo: runOnlineDpo,
  rloo: runRloo,
  reinforce_pp: runReinforcePp,
  ppo: runPpo,
  pretrain: runPretrain,
  mlm: runMlm,
  contrastive: runContrastive,
};
export const IMPLEMENTED_ALGORITHMS = Object.keys(RUNNERS);

/**
 * Trains `config` with the runner of its training.algorithm (runSft, runReward, runPpo, ...):
 * what `rlhf train` and `rlhf demo` run. `echo` copies the log lines to the console.
 */
export async function trainWithConfig(config: RunConfig, options: { resume?: string | null; echo?: boolean } = {}): Promise<Pick<TrainResult, 'globalStep' | 'outputDir'>> {
  const algorithm = config.training.algorithm;
  const run = RUNNERS[algorithm];
  if (run === undefined) {
    throw new Error(`training.algorithm ${algorithm} is not implemented yet; implemented: ${IMPLEMENTED_ALGORITHMS.join(', ')}`);
  }
  // Launched as several processes (rlhf launch, torchrun, srun): join the group before anything loads.
  return withProcessGroup(config, async () => {
    const main = (currentGroup()?.rank ?? 0) === 0;
    try {
      return await run(config, { resume: options.resume ?? null, echo: (options.echo ?? false) && main });
    } catch (err) {
      if (!(err instanceof OutOfMemoryError)) throw err;
      // Advice with this run's numbers, and the config with the safe part of it applied.
      const { lines, optimized, applied } = memoryAdvice(config, err.details);
      const file = main ? writeMemoryOptimizedConfig(config.training.output_dir, optimized, lines) : null;
      const written = file === null ? '' : `\nWrote ${file} (${applied}): rlhf train --config ${file}`;
      throw new OutOfMemoryError(err.details, `${err.message}. The last checkpoint is intact. To fit:\n${lines.map((l) => `  - ${l}`).join('\n')}${written}`);
    }
  });
}

export async function runTrain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, set: { type: 'string', multiple: true }, resume: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new Error(`--config is required\nusage: ${TRAIN_USAGE}`);
  const config = loadConfig(values.config, { overrides: values.set ?? [] });
  const result = await trainWithConfig(config, { resume: values.resume ?? null, echo: true });
  console.log(`trained ${result.globalStep} steps; final model in ${result.outputDir}`);
  return 0;
}
