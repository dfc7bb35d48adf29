/** What PPO and GRPO runs share: rewards and the online trainer (the reference policy: ../loop/reference.ts). */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { tokenizerDirOf } from '../../config/index.js';
import { SequenceScoreModel } from '../../models/index.js';
import { loadRewardFunctions } from '../../rewards/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';
import { OnlineTrainer, type OnlineRunOptions, type OnlineTrainResult } from './trainer.js';
import type { LoraOptions } from '../../nn/index.js';
import { withProcessGroup } from '../../distributed/index.js';

/** Reward functions + the reward model (section path, else rewards.reward_model_path). */
export async function rolloutScorer(config: RunConfig, tokenizer: Tokenizer, sectionRewardModel: string | null): Promise<{ scorer: RolloutScorer; rewardModel: SequenceScoreModel | null; rewardModelPath: string | null }> {
  const functions = await loadRewardFunctions(config.rewards.functions.map((f) => ({ ...f, weight: f.weight })));
  const rewardModelPath = sectionRewardModel ?? config.rewards.reward_model_path;
  const rewardModel = rewardModelPath === null ? null : SequenceScoreModel.fromPretrained(resolve(rewardModelPath), { dtype: config.model.dtype });
  rewardModel?.freeze();
  return { scorer: new RolloutScorer(tokenizer, functions, rewardModel, config.rewards.reward_model_weight), rewardModel, rewardModelPath };
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
