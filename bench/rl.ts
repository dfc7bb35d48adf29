/**
 * `npm run bench -- rl`: online RL on the benchmark model (Qwen2, vocab 512, hidden 256, 4 layers,
 * 8/4 heads; random init, seed 0): rollout tokens/s, and seconds per GRPO and PPO step (rollout
 * + scoring + update) through the real trainers, beside HF generate and TRL GRPOTrainer measured
 * in the same run on the same model, prompts and settings (bench/rl_trl.py, where a python imports
 * torch + transformers, and trl for GRPO; RLHF_BENCH_PYTHON picks one), and beside the figures of
 * ../shared/PEER-BASELINE.md, with ratios.
 *
 * Settings as the baseline: 2 prompts x 4 generations, 56-token prompts, 32 new tokens, sampling at
 * temperature 1, beta 0 (TRL's default: no reference model), loss dapo, one update per rollout,
 * a rule-based reward, 2 threads.
 */
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { RunConfig } from '../src/config/index.js';
import { generate } from '../src/generation/index.js';
import { buildInfo, getNumThreads, manualSeed, noGrad, randint, setNumThreads, tidy } from '../src/index.js';
import { CausalLM, fromPretrained, savePretrained, SequenceScoreModel } from '../src/models/index.js';
import { benchModelConfig } from './model.js';
import { runGrpo, runPpo } from '../src/trainers/online/index.js';
import { findTransformersPython, runPythonJson } from './python.js';
import { fmt, median, seconds, table } from './stats.js';

const THREADS = Number(process.env.RLHF_BENCH_THREADS ?? 2);
/** TRL 1.13 GRPOTrainer and HF generate on this kind of machine (../shared/PEER-BASELINE.md). */
const TRL = { grpoStepS: 0.282, grpoTokensPerS: 2516, hfGenerateNewTokPerS: 2018 };
const TOKENIZER = 'test/fixtures/models/tiny-qwen2';

const config = benchModelConfig();

/** The benchmark model (and a reward model of the same shape) in a temp dir with the fixture tokenizer. */
function modelDirs(): { root: string; policy: string; reward: string; prompts: string } {
  const root = mkdtempSync(join(tmpdir(), 'bench-rl-'));
  manualSeed(0);
  const lm = CausalLM.fromConfig(config);
  savePretrained(lm, join(root, 'policy'));
  const rm = SequenceScoreModel.fromConfig(config);
  rm.savePretrained(join(root, 'reward'));
  for (const dir of ['policy', 'reward']) for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(TOKENIZER, f), join(root, dir, f));
  // Long prompts, cut to their last 56 tokens by data.max_prompt_length (the baseline's ~57-token prompts: 709 tokens per step over 8 rows of 32 new tokens).
  const words = 'the model learns to answer questions about training language models with rewards and feedback'.split(' ');
  const rows = Array.from({ length: 64 }, (_, i) => JSON.stringify({ prompt: Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '), reference: 'x' }));
  writeFileSync(join(root, 'prompts.jsonl'), `${rows.join('\n')}\n`);
  lm.dispose();
  rm.dispose();
  return { root, policy: join(root, 'policy'), reward: join(root, 'reward'), prompts: join(root, 'prompts.jsonl') };
}

/** Wall time of each optimizer step (rollout + scoring + update), from the trainer's per-step callback. */
function stepTimer() {
  const stamps: number[] = [performance.now()];
  return {
    options: { progress: { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false }, onStep: () => { stamps.push(performance.now()); } },
    /** Step durations in seconds, steps 3.. (the first two are warm-up, as the baseline). */
    steady: () => stamps.slice(1).map((t, i) => (t - (stamps[i] as number)) / 1000).slice(2),
  };
}

function runConfig(algorithm: 'grpo' | 'ppo', dirs: ReturnType<typeof modelDirs>, steps: number): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: dirs.policy },
    training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), `bench-${algorithm}-`)), max_steps: steps, learning_rate: 1e-6, logging_steps: 1000, save_steps: 100000, seed: 0,
      per_device_train_batch_size: algorithm === 'grpo' ? 8 : 4, gradient_accumulation_steps: algorithm === 'grpo' ? 1 : 2, lr_scheduler_type: 'constant' },
    data: { max_length: 128, max_prompt_length: 56, datasets: { prompt: { train_files: [{ path: dirs.prompts }] } } },
    generation: { max_new_tokens: 32, temperature: 1, do_sample: true },
    rewards: { functions: [{ name: 'length_penalty', target_length: 16, per_token: 0.01 }] },
    grpo: { group_size: 4, beta: 0, loss_type: 'dapo', num_iterations: 1 },
    ppo: { ppo_epochs: 1, num_mini_batches: 1, reward_model_path: dirs.reward, kl_coef: 0.05 },
  });
}

export async function runRl(): Promise<void> {
  setNumThreads(THREADS);
  console.log(`rlhf-ts rl bench: libtorch ${buildInfo().torchVersion}, ${getNumThreads()} threads`);
  const dirs = modelDirs();

  // Rollout throughput: the generate() call GRPO makes (8 rows, 32-token prompts, 32 sampled tokens).
  const lm = fromPretrained(dirs.policy);
  const prompts = Array.from({ length: 8 }, () => (randint(4, 512, [32]).toArray() as number[]));
  const gen = (n: number, sample: boolean) => tidy(() => noGrad(() => generate(lm, prompts, { maxNewTokens: n, minNewTokens: n, doSample: sample, topK: 0, seed: 1, padTokenId: 3 })));
  for (let i = 0; i < 2; i++) gen(32, true);
  const rolloutS = median(Array.from({ length: 5 }, () => seconds(() => gen(32, true))));
  const greedyS = median(Array.from({ length: 5 }, () => seconds(() => gen(64, false))));
  lm.dispose();

  const grpoTimer = stepTimer();
  const grpo = await runGrpo(runConfig('grpo', dirs, 10), grpoTimer.options);
  const grpoStep = median(grpoTimer.steady());
  const grpoTokens = 8 * (56 + (grpo.history.get(10)?.['completions/mean_length'] ?? 32));

  const ppoTimer = stepTimer();
  await runPpo(runConfig('ppo', dirs, 10), ppoTimer.options);
  const ppoStep = median(ppoTimer.steady());

  const measured = measurePython(dirs, prompts);
  const cell = (x: number | undefined, digits: number) => (x === undefined ? '-' : fmt(x, digits));
  const hfTokS = measured?.greedyS === undefined ? undefined : 512 / measured.greedyS;
  const trlTokS = measured?.grpoStepS === undefined || measured.grpoTokens === undefined ? undefined : measured.grpoTokens / measured.grpoStepS;
  table(['work', 'rlhf-ts', 'HF / TRL (measured)', 'ratio', 'baseline*', 'ratio*'], [
    ['rollout: 8 x 32 sampled tokens, new tok/s', fmt(256 / rolloutS, 0), '-', '-', '-', '-'],
    ['greedy generate 8 x 64 new tok/s', fmt(512 / greedyS, 0), cell(hfTokS, 0), hfTokS === undefined ? '-' : `${fmt(512 / greedyS / hfTokS)}x`, fmt(TRL.hfGenerateNewTokPerS, 0), `${fmt(512 / greedyS / TRL.hfGenerateNewTokPerS)}x`],
    ['GRPO step (2 prompts x 4 gens), s', fmt(grpoStep, 3), cell(measured?.grpoStepS, 3), measured?.grpoStepS === undefined ? '-' : `${fmt(measured.grpoStepS / grpoStep)}x`, fmt(TRL.grpoStepS, 3), `${fmt(TRL.grpoStepS / grpoStep)}x`],
    ['GRPO tokens/s (prompt + completion)', fmt(grpoTokens / grpoStep, 0), cell(trlTokS, 0), trlTokS === undefined ? '-' : `${fmt(grpoTokens / grpoStep / trlTokS)}x`, fmt(TRL.grpoTokensPerS, 0), `${fmt(grpoTokens / grpoStep / TRL.grpoTokensPerS)}x`],
    ['PPO step (8 rollouts, value + reward model), s', fmt(ppoStep, 3), '-', '-', '- (not in baseline)', '-'],
  ]);
  console.log('ratio > 1 means rlhf-ts is faster. * PEER-BASELINE.md figures (PyTorch 2.13 + transformers 5.18 + TRL 1.13 on a 2-core machine), not measured in this run; they drift about 15% between runs.');
}

interface PythonSide {
  torch: string;
  transformers: string;
  trl: string | null;
  greedyS: number;
  grpoStepS?: number;
  grpoTokens?: number;
}

/** HF generate and (where trl imports) TRL GRPOTrainer on the same model, prompts and settings; null without a python. */
function measurePython(dirs: ReturnType<typeof modelDirs>, greedyPrompts: number[][]): PythonSide | null {
  const python = findTransformersPython();
  if (python === null) {
    console.log('HF / TRL side by side: skipped (no python3 that imports torch and transformers; set RLHF_BENCH_PYTHON)');
    return null;
  }
  const idsPath = join(dirs.root, 'greedy-ids.json');
  writeFileSync(idsPath, JSON.stringify(greedyPrompts));
  const script = fileURLToPath(new URL('../../bench/rl_trl.py', import.meta.url));
  const side = runPythonJson<PythonSide>(python, script, [dirs.policy, dirs.prompts, idsPath, String(THREADS)]);
  console.log(`HF / TRL side by side: ${python}, torch ${side.torch}, transformers ${side.transformers}, ${side.trl === null ? 'trl not importable (GRPO row: baseline only)' : `trl ${side.trl}`}`);
  return side;
}
