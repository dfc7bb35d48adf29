#!/usr/bin/env node
/**
 * The `rlhf` command line: one table of commands, `--help` on each, errors on one line with
 * a hint (stack traces with --verbose), non-zero exit codes on failure.
 */
import { buildInfo, getNumThreads } from '../index.js';
import { CHAT_USAGE, runChat } from './chat-command.js';
import { CONFIG_USAGE, runConfig } from './config-command.js';
import { runEnv } from './env-command.js';
import { DATA_USAGE, runData } from './data-command.js';
import { TOKENIZER_USAGE, runTokenizer } from './tokenizer-command.js';
import { DEMO_USAGE, runDemoCommand } from './demo-command.js';
import { GENERATE_USAGE, runGenerate } from './generate-command.js';
import { MERGE_LORA_USAGE, runMergeLora } from './merge-lora-command.js';
import { TRAIN_USAGE, runTrain } from './train-command.js';
import { SCORE_USAGE, runScore } from './score-command.js';
import { EVAL_USAGE, runEval } from './eval-command.js';
import { MONITOR_USAGE, runMonitor } from './monitor-command.js';
import { HUMAN_EVAL_USAGE, runHumanEval } from './human-eval-command.js';
import { LAUNCH_USAGE, runLaunch } from './launch-command.js';
import { PLAN_USAGE, runPlan } from './plan-command.js';

interface Command {
  summary: string;
  usage: string;
  run(args: string[]): number | Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  train: { summary: 'train a model from a run config (sft, reward, dpo, orpo, cpo, kto, gkd, prm, critic, ppo, grpo, online_dpo, rloo, reinforce_pp; --resume latest|PATH)', usage: TRAIN_USAGE, run: runTrain },
  plan: { summary: "a run's peak memory estimated before any work (parameters, gradients, AdamW state, activations, reference/reward/value models, KV cache) against this machine's, with the changes that make it fit", usage: PLAN_USAGE, run: (args) => runPlan(args) },
  launch: { summary: "run a command as N data-parallel workers with torchrun's RANK/WORLD_SIZE/MASTER_ADDR environment; output prefixed by rank, all stopped when one fails", usage: LAUNCH_USAGE, run: runLaunch },
  demo: { summary: 'the whole RLHF chain on an arithmetic task: SFT -> reward model -> PPO (or GRPO), with a table of held-out accuracy per stage (--quick: about a minute)', usage: DEMO_USAGE, run: runDemoCommand },
  generate: { summary: 'completions from a Hugging Face model directory', usage: GENERATE_USAGE, run: runGenerate },
  chat: { summary: 'an interactive chat with streaming replies', usage: CHAT_USAGE, run: runChat },
  eval: { summary: "automatic metrics of a model or a run's checkpoints (exact/numeric-match accuracy, BLEU, ROUGE-L, distinct-n, perplexity, reward, preference accuracy, PRM, critic): eval_results.json + eval_report.md", usage: EVAL_USAGE, run: runEval },
  monitor: { summary: 'charts, HTML report, progress/ETA and health diagnosis of a run (--watch follows a live one)', usage: MONITOR_USAGE, run: runMonitor },
  score: { summary: 'reward-model scores of responses or chosen/rejected pairs (accuracy, margin)', usage: SCORE_USAGE, run: runScore },
  embed: (await import('./embed-command.js')).EMBED_COMMAND,
  'human-eval': { summary: 'blind pairwise human evaluation of two models: create a task, serve the annotation page, analyze', usage: HUMAN_EVAL_USAGE, run: runHumanEval },
  'merge-lora': { summary: 'fold a PEFT LoRA adapter into its base model', usage: MERGE_LORA_USAGE, run: runMergeLora },
  data: { summary: 'sample, validate, split, merge and synthesize datasets', usage: DATA_USAGE, run: runData },
  tokenizer: { summary: 'train a byte-level BPE tokenizer (Hugging Face tokenizer.json + tokenizer_config.json) on text files', usage: TOKENIZER_USAGE, run: runTokenizer },
  config: { summary: 'print the config schema or validate a config file', usage: CONFIG_USAGE, run: (args) => runConfig(args) },
  env: { summary: 'libtorch path, BLAS, threads, CUDA, free memory (and GPU memory) and disk, the model sizes this machine can fully or LoRA fine-tune, with advice', usage: 'rlhf env [--json]', run: (args) => runEnv(args) },
  info: { summary: 'libtorch version, BLAS, threads and CUDA availability', usage: 'rlhf info', run: runInfo },
};

function runInfo(): number {
  const info = buildInfo();
  console.log(`libtorch ${info.torchVersion}; cuda ${info.cuda}; fused attention ${info.fusedAttention}; threads ${getNumThreads()}`);
  console.log(info.config.trim());
  return 0;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: rlhf <command> [options]   (rlhf <command> --help for its options; --verbose for stack traces)\n\ncommands:\n${lines.join('\n')}\n`;
}

/** What to try next for the errors people hit most. */
function hintFor(message: string): string | undefined {
  if (/libtorch addon/.test(message)) return 'run `bash scripts/setup.sh`';
  if (/Unknown option|unexpected argument/i.test(message)) return 'see `rlhf <command> --help`';
  if (/config\.json: not found|ENOENT/.test(message)) return 'check the path; a model directory holds config.json and model.safetensors';
  return undefined;
}

/** The words before `--`: those after it belong to the command `rlhf launch` runs, --help and --verbose included. */
function ownArgs(argv: string[]): string[] {
  const cut = argv.indexOf('--');
  return cut < 0 ? argv : argv.slice(0, cut);
}

async function main(argv: string[]): Promise<number> {
  const own = ownArgs(argv);
  const args = [...own.filter((a) => a !== '--verbose'), ...argv.slice(own.length)];
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`rlhf: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (ownArgs(rest).includes('--help') || ownArgs(rest).includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  return command.run(rest);
}

const verbose = ownArgs(process.argv).includes('--verbose');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  const [first, ...more] = message.split('\n');
  console.error(`rlhf: ${first}`);
  if (more.length) console.error(more.join('\n'));
  const hint = hintFor(message);
  if (hint) console.error(`hint: ${hint}`);
  if (verbose && err instanceof Error && err.stack) console.error(err.stack);
  process.exitCode = 1;
}
