/** `rlhf train --config FILE [--set k=v]... [--resume latest|PATH]` */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { runSft } from '../trainers/sft/index.js';

export const TRAIN_USAGE = 'rlhf train --config FILE [--set section.key=value]... [--resume latest|PATH]';

/** Algorithms `rlhf train` can run today. */
export const IMPLEMENTED_ALGORITHMS = ['sft'] as const;

export async function runTrain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, set: { type: 'string', multiple: true }, resume: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new Error(`--config is required\nusage: ${TRAIN_USAGE}`);
  const config = loadConfig(values.config, { overrides: values.set ?? [] });
  const algorithm = config.training.algorithm;
  switch (algorithm) {
    case 'sft': {
      const result = await runSft(config, { resume: values.resume ?? null, echo: true });
      console.log(`trained ${result.globalStep} steps; final model in ${result.outputDir}`);
      return 0;
    }
    default:
      throw new Error(`training.algorithm ${algorithm} is not implemented yet; implemented: ${IMPLEMENTED_ALGORITHMS.join(', ')}`);
  }
}
