#!/usr/bin/env node
/** The `rlhf` command line. */
import { parseArgs } from 'node:util';
import { buildInfo, getNumThreads } from '../index.js';
import { CHAT_USAGE, runChat } from './chat-command.js';
import { DEMO_DEFAULTS, runDemo } from './demo.js';
import { GENERATE_USAGE, runGenerate } from './generate-command.js';
import { MERGE_LORA_USAGE, runMergeLora } from './merge-lora-command.js';

const USAGE = `usage: rlhf <command> [options]

commands:
  demo   train a tiny transformer LM on synthetic sequences and show the loss falling
         --steps N (${DEMO_DEFAULTS.steps})  --lr X (${DEMO_DEFAULTS.lr})  --seed N (${DEMO_DEFAULTS.seed})
  info   libtorch version, BLAS, threads and CUDA availability
  generate   completions from a Hugging Face model directory
         ${GENERATE_USAGE}
  chat   an interactive chat with streaming replies
         ${CHAT_USAGE}
  merge-lora   fold a PEFT LoRA adapter into its base model
         ${MERGE_LORA_USAGE}
`;

async function main(argv: string[]): Promise<number> {
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
    case 'generate':
      return runGenerate(rest);
    case 'chat':
      return runChat(rest);
    case 'merge-lora':
      return runMergeLora(rest);
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
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`rlhf: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
