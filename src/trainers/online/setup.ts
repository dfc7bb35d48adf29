/** What PPO and GRPO runs share: prompts, rewards, the reference policy, generation settings. */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { checkChatTemplateMode, loadDataset, padIdOf, tokenizePrompt } from '../../data/index.js';
import { loadCausalLm, SequenceScoreModel, type PretrainedCausalLm } from '../../models/index.js';
import { loadRewardFunctions } from '../../rewards/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { datasetFiles } from '../loop/data-files.js';
import type { PolicyReference } from './grpo.js';
import { RolloutScorer } from './scorer.js';
import { generationSettings } from '../critic/students.js';
import type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';
import { OnlineTrainer, type OnlineRunOptions, type OnlineTrainResult } from './trainer.js';
import type { LoraOptions } from '../../nn/index.js';

export function tokenizerOf(config: RunConfig): Tokenizer {
  return Tokenizer.fromPretrained(resolve(config.model.tokenizer_name_or_path ?? config.model.name_or_path));
}

/** Prompt records (with their reference answers) tokenized for generation. */
export async function loadPrompts(config: RunConfig, tokenizer: Tokenizer, split: 'train' | 'validation' = 'train'): Promise<OnlinePrompt[]> {
  const out: OnlinePrompt[] = [];
  const chatTemplate = checkChatTemplateMode(config.data.chat_template, tokenizer);
  for (const path of datasetFiles(config, 'prompt', split)) {
    const { records } = await loadDataset(path, { format: 'prompt', onError: config.data.on_error });
    for (const r of records) {
      const ex = tokenizePrompt(tokenizer, r, { maxPromptLength: config.data.max_prompt_length, chatTemplate });
      if (ex.inputIds.length > 0) out.push({ ids: ex.inputIds, ...(r.reference === undefined ? {} : { reference: r.reference }) });
    }
  }
  return out;
}

/** Reward functions + the reward model (section path, else rewards.reward_model_path). */
export async function rolloutScorer(config: RunConfig, tokenizer: Tokenizer, sectionRewardModel: string | null): Promise<{ scorer: RolloutScorer; rewardModel: SequenceScoreModel | null; rewardModelPath: string | null }> {
  const functions = await loadRewardFunctions(config.rewards.functions.map((f) => ({ ...f, weight: f.weight })));
  const rewardModelPath = sectionRewardModel ?? config.rewards.reward_model_path;
  const rewardModel = rewardModelPath === null ? null : SequenceScoreModel.fromPretrained(resolve(rewardModelPath));
  rewardModel?.freeze();
  return { scorer: new RolloutScorer(tokenizer, functions, rewardModel, config.rewards.reward_model_weight), rewardModel, rewardModelPath };
}

/** The reference: none when not needed, the base of a LoRA policy, or a frozen copy of the start. */
export function referencePolicy(config: RunConfig, needed: boolean, loraApplied: boolean): PolicyReference {
  if (!needed) return null;
  if (loraApplied) return 'adapters-disabled';
  return loadCausalLm(resolve(config.model.name_or_path));
}

/** generate() settings from `generation:` (temperature 0 or do_sample false = greedy). */
export function generationOf(config: RunConfig, tokenizer: Tokenizer, policy: PretrainedCausalLm) {
  const { seed: _seed, ...settings } = generationSettings(config.generation, 0); // each rollout passes its own seed
  const eos = tokenizer.eosTokenId ?? policy.config.eosTokenId;
  return { ...settings, padTokenId: padIdOf(tokenizer), ...(eos === undefined || eos === null ? {} : { eosTokenId: eos }) };
}

/** Trains an online algorithm on the config's prompts; `lora` is what applyLoraFromConfig returned (adapters are saved as PEFT). */
export function trainOnline<B extends RolloutBuffer>(algorithm: OnlineAlgorithm<B>, config: RunConfig, prompts: readonly OnlinePrompt[], lora: LoraOptions | null, options: OnlineRunOptions): Promise<OnlineTrainResult> {
  const trainer = new OnlineTrainer(algorithm, {
    training: config.training,
    prompts,
    lora,
    tokenizerDir: resolve(config.model.tokenizer_name_or_path ?? config.model.name_or_path),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    ...(options.echo === undefined ? {} : { echo: options.echo }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  return trainer.train({ resume: options.resume ?? null });
}
