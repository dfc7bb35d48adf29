/** `rlhf demo`: flags for the built-in SFT -> reward model -> PPO run (src/cli/demo.ts). */
import { parseArgs } from 'node:util';
import { DEMO_RL_ALGORITHMS, type DemoRl } from './demo-configs.js';
import { runDemo } from './demo.js';

export const DEMO_USAGE = `rlhf demo [--quick] [--rl ${DEMO_RL_ALGORITHMS.join('|')} (ppo)] [--skip-reward] [--skip-rl] [--out DIR (outputs/demo)] [--seed N (42)]`;

export async function runDemoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean' },
      rl: { type: 'string' },
      'skip-reward': { type: 'boolean' },
      'skip-rl': { type: 'boolean' },
      out: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const rl = values.rl ?? 'ppo';
  if (!(DEMO_RL_ALGORITHMS as readonly string[]).includes(rl)) throw new Error(`--rl must be one of ${DEMO_RL_ALGORITHMS.join(', ')}, got '${rl}'\nusage: ${DEMO_USAGE}`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed expects an integer, got '${values.seed}'`);
  await runDemo({
    rl: rl as DemoRl,
    quick: values.quick ?? false,
    skipReward: values['skip-reward'] ?? false,
    skipRl: values['skip-rl'] ?? false,
    seed,
    ...(values.out === undefined ? {} : { out: values.out }),
  });
  return 0;
}
