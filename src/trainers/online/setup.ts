/** What the online runs share: their start (prompts, policy, reference, rewards), rewards and the online trainer. */
import { resolve } from 'node:path';
import { fixedTrainBatchSize, hasEnvironment, tokenizerDirOf, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadPrompts } from '../../data/index.js';
import { loadEnvironment } from '../../environments/index.js';
import type { EpisodeSource } from './episode-rollout.js';
import { loadCausalLm, SequenceScoreModel } from '../../models/index.js';
import { loadRewardFunctions } from '../../rewards/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';
import { OnlineTrainer, type OnlineRunOptions, type OnlineTrainResult } from './trainer.js';
import type { LoraOptions } from '../../nn/index.js';
import { withProcessGroup } from '../../distributed/index.js';
import { prepareRun } from '../loop/prepare.js';
import { loadReferencePolicy, type ReferencePolicy } from '../loop/reference.js';

/** Reward functions + the reward model (section path, else rewards.reward_model_path). */
export async function rolloutScorer(config: RunConfig, tokenizer: Tokenizer, sectionRewardModel: string | null): Promise<{ scorer: RolloutScorer; rewardModel: SequenceScoreModel | null; rewardModelPath: string | null }> {
  const functions = await loadRewardFunctions(config.rewards.functions.map((f) => ({ ...f, weight: f.weight })));
  const rewardModelPath = sectionRewardModel ?? config.rewards.reward_model_path;
  const rewardModel = rewardModelPath === null ? null : SequenceScoreModel.fromPretrained(resolve(rewardModelPath), { dtype: config.model.dtype });
  rewardModel?.freeze();
  return { scorer: new RolloutScorer(tokenizer, functions, rewardModel, config.rewards.reward_model_weight, hasEnvironment(config.environment)), rewardModel, rewardModelPath };
}

/** The run's episode source (environment section), or null for single-turn rollouts. */
export async function episodeSourceOf(config: RunConfig, tokenizer: Tokenizer): Promise<EpisodeSource | null> {
  const e = config.environment;
  if (!hasEnvironment(e)) return null;
  if (tokenizer.chatTemplate === null) {
    throw new Error(`environment: the tokenizer (${tokenizerDirOf(config)}) has no chat template, which renders the environment's tool messages; use a model whose tokenizer_config.json has a chat_template`);
  }
  const factory = await loadEnvironment({ name: e.name, module: e.module, export: e.export });
  return { factory, tokenizer, limits: { maxTurns: e.max_turns, maxEpisodeTokens: e.max_episode_tokens } };
}

/** The prompts of an online run: with an environment whose tools go in the prompt, rendered with them. */
export function loadOnlinePrompts(config: RunConfig, tokenizer: Tokenizer, episodes: EpisodeSource | null): Promise<OnlinePrompt[]> {
  const tools = episodes !== null && config.environment.tools_in_prompt && episodes.factory.tools.length > 0 ? episodes.factory.tools : undefined;
  return loadPrompts(config, tokenizer, 'train', tools === undefined ? {} : { tools });
}


/** Trains an online algorithm on the config's prompts; `lora` is what applyLoraFromConfig returned (adapters are saved as PEFT). */
export async function trainOnline<B extends RolloutBuffer>(algorithm: OnlineAlgorithm<B>, config: RunConfig, prompts: readonly OnlinePrompt[], lora: LoraOptions | null, options: OnlineRunOptions): Promise<OnlineTrainResult> {
  return withProcessGroup(config, () => trainOnlineWith(algorithm, config, prompts, lora, options));
}

function trainOnlineWith<B extends RolloutBuffer>(algorithm: OnlineAlgorithm<B>, config: RunConfig, prompts: readonly OnlinePrompt[], lora: LoraOptions | null, options: OnlineRunOptions): Promise<OnlineTrainResult> {
  const trainer = new OnlineTrainer(algorithm, {
    distributed: config.distributed,
    training: config.training,
    logging: config.logging,
    prompts,
    lora,
    tokenizerDir: tokenizerDirOf(config),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  return trainer.train({ resume: options.resume ?? null });
}

/** What an online run needs loaded before its algorithm is built. */
export interface OnlineRunNeeds {
  /** training.algorithm, for messages. */
  algorithm: string;
  /** Whether a reference policy is loaded (KL terms, DPO). */
  referenceNeeded: boolean;
  /** The section's ref_model_path (null: the starting model, or the LoRA base). */
  refModelPath?: string | null;
  /** The section's reward_model_path (null: rewards.reward_model_path). */
  rewardModelPath: string | null;
}

/**
 * The start every online run shares, in order: tokenizer, environment, prompts (refused when none),
 * policy (+ LoRA), reference, rewards; `options` holds the algorithm options read from
 * training:/generation: that every online algorithm takes.
 */
export async function startOnlineRun(config: RunConfig, needs: OnlineRunNeeds) {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const episodes = await episodeSourceOf(run.config, tokenizer);
  const prompts = await loadOnlinePrompts(run.config, tokenizer, episodes);
  if (prompts.length === 0) throw new Error(`${needs.algorithm}: no prompts to train on (data.datasets.prompt.train_files)`);
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference: ReferencePolicy = loadReferencePolicy({ needed: needs.referenceNeeded, modelPath: run.modelDir, refModelPath: needs.refModelPath ?? null, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer, rewardModelPath } = await rolloutScorer(run.config, tokenizer, needs.rewardModelPath);
  const t = run.config.training;
  const options: OnlineRunSettings = {
    microBatchSize: fixedTrainBatchSize(t),
    gradientAccumulationSteps: t.gradient_accumulation_steps,
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    seed: t.seed,
  };
  return { run, tokenizer, episodes, prompts, policy, lora, reference, scorer, rewardModelPath, options };
}
