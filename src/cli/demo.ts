/**
 * `rlhf demo`: the whole RLHF chain on the arithmetic task (docs/arithmetic-task.md), with the
 * framework's own trainers and evaluation, on built-in settings:
 *
 *   1. data: sums and differences up to 99; SFT answers from a sloppy teacher who drops
 *      carries, held-out problems with true answers, correct-versus-wrong answer pairs;
 *   2. SFT of a tiny Qwen2 from fresh weights (runSft);
 *   3. a reward model trained on the pairs from the SFT model (runReward);
 *   4. PPO against that reward model (runPpo), or GRPO with the exact-match reward (runGrpo),
 *
 * each through `rlhf train`'s dispatch (trainWithConfig, the one CLI file that imports the
 * trainers); then a table: greedy exact match on the held-out problems after each stage, the reward
 * model's accuracy on held-out pairs, and each stage's time. Everything lands under `out`.
 *
 * ```ts
 * const result = await runDemo({ out: 'outputs/demo', quick: true });
 * result.stages.map((s) => [s.stage, s.exactMatch?.accuracy]);   // [['data', undefined], ['sft', 0.28], ['reward', undefined], ['ppo', 0.25]]
 * ```
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../config/index.js';
import { writeArithmeticTask } from '../data/index.js';
import { evaluateCheckpoints, writeEvalOutputs } from '../eval/index.js';
import { DEMO_SCALES, demoConfigs, demoDataFiles, type DemoRl } from './demo-configs.js';
import { demoTable, type DemoStageResult } from './demo-table.js';
import { trainWithConfig } from './train-command.js';

export interface DemoOptions {
  /** Output folder (default outputs/demo); a folder that is neither empty nor an earlier demo's is refused. */
  out?: string;
  /** PPO against the learned reward model (default), or GRPO with the exact-match reward. */
  rl?: DemoRl;
  /** Every stage shortened (about a minute instead of five). */
  quick?: boolean;
  /** No reward model: PPO then uses the exact-match reward. */
  skipReward?: boolean;
  /** Stop after SFT and the reward model. */
  skipRl?: boolean;
  /** Training seed (data seed 0). Default 42. */
  seed?: number;
  /** Where lines go (default console.log); progress bars draw on stdout. */
  log?: (line: string) => void;
}

export interface DemoResult {
  out: string;
  stages: DemoStageResult[];
  /** The table as printed. */
  table: string;
  /** demo_results.json: the stages and settings. */
  resultsFile: string;
}

/** Marks a folder as the demo's own, so a rerun may replace what an earlier run left there. */
const MARKER = 'demo_results.json';

/** examples/models/arith-tiny: the tiny Qwen2 config and character tokenizer (no weights). */
const ARITH_TINY = fileURLToPath(new URL('../../../examples/models/arith-tiny', import.meta.url));

function prepareOutput(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, MARKER))) {
      throw new Error(`rlhf demo: ${out} is not empty and holds no earlier demo (${MARKER}); pass --out DIR with a new or empty folder`);
    }
    for (const name of readdirSync(out)) rmSync(join(out, name), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  // Marked at once, so a rerun after an interrupted demo may replace what it left.
  writeFileSync(join(out, MARKER), `${JSON.stringify({ status: 'running' })}\n`);
}

const seconds = (since: number) => (Date.now() - since) / 1000;

/** Runs `rlhf eval`'s code on one model directory with the stage config's evaluation section; writes <dir>/eval. */
async function evaluateStage(config: RunConfig, dir: string): Promise<Record<string, number>> {
  const one: RunConfig = { ...config, evaluation: { ...config.evaluation, model_path: dir, checkpoints: null } };
  const results = await evaluateCheckpoints(one);
  writeEvalOutputs(results, join(dir, 'eval'));
  const model = results.models[0];
  if (model === undefined) throw new Error(`rlhf demo: evaluating ${dir} gave no result`);
  return model.metrics;
}

/** Held-out greedy exact match, as counts. */
function exactMatchOf(metrics: Record<string, number>) {
  const accuracy = metrics['generation/exact_match'];
  const total = metrics['generation/count'];
  if (accuracy === undefined || total === undefined) throw new Error('rlhf demo: the generation task reported no generation/exact_match');
  return { accuracy, correct: Math.round(accuracy * total), total };
}

/** Runs the chain and prints the table; see the file comment. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const out = resolve(options.out ?? 'outputs/demo');
  const rl = options.rl ?? 'ppo';
  const scale = DEMO_SCALES[options.quick ? 'quick' : 'full'];
  const seed = options.seed ?? 42;
  if (!existsSync(join(ARITH_TINY, 'config.json'))) throw new Error(`rlhf demo: the model config ${ARITH_TINY}/config.json is missing; run from a checkout of the repository`);
  prepareOutput(out);
  const configs = demoConfigs(out, scale, { rl, seed, modelDir: ARITH_TINY, rewardModel: !options.skipReward });
  const stages: DemoStageResult[] = [];
  // rlhf train's dispatch: runSft, runReward, then runPpo or runGrpo, each with its progress bar.
  const train = { echo: false };
  const began = Date.now();

  let t = Date.now();
  const files = writeArithmeticTask(demoDataFiles(out).dir, { ...scale.data, seed: 0 });
  stages.push({ stage: 'data', label: 'data', steps: null, seconds: seconds(t), dir: demoDataFiles(out).dir, note: `${files.sft.count} sloppy SFT answers, ${files.pairs?.count ?? 0} pairs, ${files.eval.count} held-out problems` });
  log(`demo: data -> ${demoDataFiles(out).dir}`);

  t = Date.now();
  log(`demo: SFT of a 0.6 M-parameter Qwen2 from fresh weights on the sloppy teacher's answers (${scale.sftSteps} steps)`);
  const sft = await trainWithConfig(configs.sft, train);
  const sftMetrics = await evaluateStage(configs.sft, sft.outputDir);
  stages.push({ stage: 'sft', label: 'SFT', steps: sft.globalStep, seconds: seconds(t), dir: sft.outputDir, exactMatch: exactMatchOf(sftMetrics) });
  log(`demo: SFT done, held-out exact match ${pct(exactMatchOf(sftMetrics).accuracy)}`);

  if (!options.skipReward) {
    t = Date.now();
    log(`demo: reward model from the SFT model on correct-versus-wrong answer pairs (${scale.rewardSteps} steps)`);
    const reward = await trainWithConfig(configs.reward, train);
    const m = await evaluateStage(configs.reward, reward.outputDir);
    const accuracy = m['preference/accuracy'];
    const total = m['preference/count'];
    if (accuracy === undefined || total === undefined) throw new Error('rlhf demo: the preference task reported no preference/accuracy');
    stages.push({ stage: 'reward', label: 'reward model', steps: reward.globalStep, seconds: seconds(t), dir: reward.outputDir, pairAccuracy: { accuracy, correct: Math.round(accuracy * total), total } });
    log(`demo: reward model done, held-out pair accuracy ${pct(accuracy)}`);
  }

  if (!options.skipRl) {
    t = Date.now();
    const what = rl === 'grpo' ? 'GRPO with the exact-match reward' : options.skipReward ? 'PPO with the exact-match reward' : 'PPO against the learned reward model';
    log(`demo: ${what} (${scale.rlSteps} steps)`);
    const result = await trainWithConfig(configs.rl, train);
    const m = await evaluateStage(configs.rl, result.outputDir);
    const label = rl === 'grpo' ? 'GRPO (exact-match reward)' : options.skipReward ? 'PPO (exact-match reward)' : 'PPO (reward model)';
    stages.push({ stage: rl, label, steps: result.globalStep, seconds: seconds(t), dir: result.outputDir, exactMatch: exactMatchOf(m) });
  }

  const table = demoTable(stages, seconds(began));
  log('');
  log(table);
  const resultsFile = join(out, MARKER);
  writeFileSync(resultsFile, `${JSON.stringify({ rl, quick: options.quick ?? false, seed, total_seconds: seconds(began), stages }, null, 2)}\n`);
  writeFileSync(join(out, 'demo_table.md'), `${table}\n`);
  log(`demo: models, eval reports and demo_results.json in ${out}`);
  return { out, stages, table, resultsFile };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
