#!/usr/bin/env node
/** The `rlhf` command line. */
import { parseArgs } from 'node:util';
import { buildInfo, getNumThreads } from '../index.js';
import { DEMO_DEFAULTS, runDemo } from './demo.js';

const USAGE = `usage: rlhf <command> [options]

commands:
  demo   train a tiny transformer LM on synthetic sequences and show the loss falling
         --steps N (${DEMO_DEFAULTS.steps})  --lr X (${DEMO_DEFAULTS.lr})  --seed N (${DEMO_DEFAULTS.seed})
  info   libtorch version, BLAS, threads and CUDA availability
`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { steps: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' } },
        strict: true,
      });
      const num = (flag: string, v: string | undefined, fallback: number): number => {
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n)) throw new Error(`--${flag} expects a number, got '${v}'`);
        return n;
      };
      const { first, last } = runDemo({
        steps: num('steps', values.steps, DEMO_DEFAULTS.steps),
        lr: num('lr', values.lr, DEMO_DEFAULTS.lr),
        seed: num('seed', values.seed, DEMO_DEFAULTS.seed),
      });
      return last < first ? 0 : 1;
    }
    case 'info': {
      const info = buildInfo();
      console.log(`libtorch ${info.torchVersion}; cuda ${info.cuda}; fused attention ${info.fusedAttention}; threads ${getNumThreads()}`);
      console.log(info.config.trim());
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`rlhf: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`rlhf: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
