/**
 * The run config: one YAML file, one section per concern. Types, defaults, validation,
 * `rlhf config schema` and docs/config.md all derive from this schema.
 *
 * @example
 * const config = RunConfig.parse({ model: { name_or_path: 'test/fixtures/models/tiny-qwen2' } });
 * config.training.learning_rate; // 1e-5
 */
import { z } from 'zod';
import type { DataKind } from '../../data/records.js';
import { ContrastiveConfig } from './contrastive.js';
import { checkKto, KtoConfig } from './kto.js';
import { checkCpo, CpoConfig } from './cpo.js';
import { CriticConfig } from './critic.js';
import { DataConfig, type DatasetKind } from './data.js';
import { DistributedConfig } from './distributed.js';
import { ENVIRONMENT_ALGORITHMS, EnvironmentConfig, hasEnvironment } from './environment.js';
import { checkDpo, DpoConfig } from './dpo.js';
import { EvaluationConfig, MODEL_ROLE, TASKS_FOR_ROLE } from './evaluation.js';
import { GenerationConfig } from './generation.js';
import { checkGkd, GkdConfig } from './gkd.js';
import { GrpoConfig } from './grpo.js';
import { LoggingConfig } from './logging.js';
import { LoraSection } from './lora.js';
import { MlmConfig } from './mlm.js';
import { ModelConfig } from './model.js';
import { checkOnlineDpo, OnlineDpoConfig } from './online-dpo.js';
import { OrpoConfig } from './orpo.js';
import { PpoConfig } from './ppo.js';
import { PretrainConfig } from './pretrain.js';
import { ReinforcePpConfig } from './reinforce-pp.js';
import { RlooConfig } from './rloo.js';
import { checkSamplingCorrection } from './sampling-correction.js';
import { PrmConfig } from './prm.js';
import { RewardConfig } from './reward.js';
import { RewardsConfig } from './rewards.js';
import { SftConfig } from './sft.js';
import { FROM_SCRATCH_ALGORITHMS, LORA_ALGORITHMS, TrainingConfig } from './training.js';
import { unsupportedSettings } from '../unsupported.js';

export * from './contrastive.js';
export * from './cpo.js';
export * from './critic.js';
export * from './data.js';
export * from './distributed.js';
export * from './dpo.js';
export * from './environment.js';
export * from './evaluation.js';
export * from './generation.js';
export * from './gkd.js';
export * from './grpo.js';
export * from './logging.js';
export * from './kto.js';
export * from './lora.js';
export * from './mlm.js';
export * from './model.js';
export * from './online-dpo.js';
export * from './orpo.js';
export * from './ppo.js';
export * from './pretrain.js';
export * from './prm.js';
export * from './reinforce-pp.js';
export * from './rloo.js';
export * from './sampling-correction.js';
export * from './reward.js';
export * from './rewards.js';
export * from './sft.js';
export * from './training.js';

// The dataset kinds a config may name are exactly the record kinds src/data produces.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsInSync: SameSet<DatasetKind, DataKind> = true;
void kindsInSync;

/** Cross-field rules, checked once every field has the right type. */
function checkRun(c: z.infer<typeof RunConfigObject>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const t = c.training;
  if (t.warmup_steps > 0 && t.warmup_ratio > 0) {
    issue(['training', 'warmup_steps'], `set warmup_steps (${t.warmup_steps}) or warmup_ratio (${t.warmup_ratio}), not both`);
  }
  if (c.data.max_prompt_length >= c.data.max_length) {
    issue(['data', 'max_prompt_length'], `data.max_prompt_length (${c.data.max_prompt_length}) must be below data.max_length (${c.data.max_length})`);
  }
  // An environment's episodes carry their own reward.
  const hasRewards = c.rewards.functions.length > 0 || c.rewards.reward_model_path !== null || hasEnvironment(c.environment);
  checkEnvironment(c, issue);
  if (t.algorithm === 'ppo' && c.ppo.reward_model_path === null && !hasRewards) {
    issue(['ppo', 'reward_model_path'], `training.algorithm is ppo: set ppo.reward_model_path (a reward model directory) or rewards.functions`);
  }
  if (t.algorithm === 'grpo') {
    if (c.grpo.reward_model_path === null && !hasRewards) issue(['rewards', 'functions'], 'training.algorithm is grpo: set rewards.functions or a reward model (grpo.reward_model_path)');
    const group = c.grpo.num_generations ?? c.grpo.group_size;
    const perDevice = t.per_device_train_batch_size; // 'auto' is refused for grpo in TrainingConfig
    const generationBatch = perDevice === 'auto' ? group : perDevice * t.gradient_accumulation_steps;
    if (generationBatch % group !== 0) {
      issue(['training', 'per_device_train_batch_size'], `grpo: per_device_train_batch_size x gradient_accumulation_steps = ${t.per_device_train_batch_size} x ${t.gradient_accumulation_steps} = ${generationBatch} completions per step, which is not a whole number of groups of ${group} (grpo.group_size); use a multiple of ${group}`);
    }
  }
  if (t.algorithm === 'online_dpo') checkOnlineDpo(c, issue);
  checkGroupSampling(c, issue);
  checkDpo(c.dpo, t.per_device_train_batch_size, issue);
  if (t.algorithm === 'kto') checkKto(c.kto, t.per_device_train_batch_size, issue);
  if (c.lora.enabled && !LORA_ALGORITHMS.includes(t.algorithm)) {
    issue(['lora', 'enabled'], `lora.enabled works with training.algorithm ${LORA_ALGORITHMS.join(', ')}, not ${t.algorithm} (its score or value head must train in full)`);
  }
  checkCpo(c.cpo, issue);
  if (t.algorithm === 'gkd') checkGkd(c, issue);
  if (c.model.init === 'from_scratch') {
    if (!FROM_SCRATCH_ALGORITHMS.includes(t.algorithm)) issue(['model', 'init'], `model.init from_scratch works with training.algorithm ${FROM_SCRATCH_ALGORITHMS.join(', ')}, not ${t.algorithm}; start the others from a trained model directory`);
    if (c.lora.enabled) issue(['lora', 'enabled'], 'lora.enabled trains adapters on a frozen base, but model.init is from_scratch: the base would stay random');
  }
  if (c.critic.temperature_min > c.critic.temperature_max) {
    issue(['critic', 'temperature_min'], `critic.temperature_min (${c.critic.temperature_min}) must not exceed critic.temperature_max (${c.critic.temperature_max})`);
  }
  const hasGroups = Object.values(c.data.datasets).some((g) => g !== undefined && g.train_files.length > 0);
  if (c.data.dataset_path === null && !hasGroups) {
    issue(['data'], 'no training data: set data.dataset_path or data.datasets.<kind>.train_files');
  }
  if (c.data.merged_cache_path !== null && !c.data.merge_datasets) {
    issue(['data', 'merged_cache_path'], `data.merged_cache_path (${JSON.stringify(c.data.merged_cache_path)}) is set but data.merge_datasets is false`);
  }
  checkEvaluation(c, issue);
  for (const u of unsupportedSettings(c)) issue(u.path, u.message);
}

/** An environment: one source (name or module), an algorithm that rolls out episodes. */
function checkEnvironment(c: z.infer<typeof RunConfigObject>, issue: (path: (string | number)[], message: string) => void): void {
  const e = c.environment;
  if (e.name !== null && e.module !== null) issue(['environment', 'module'], `set environment.name (${e.name}) or environment.module (${e.module}), not both`);
  if (hasEnvironment(e) && !ENVIRONMENT_ALGORITHMS.includes(c.training.algorithm)) {
    issue(['environment'], `environment works with training.algorithm ${ENVIRONMENT_ALGORITHMS.join(', ')}, not ${c.training.algorithm}; remove the environment section or change the algorithm`);
  }
}

/** rloo and reinforce_pp: rewards, whole groups per step, and the importance-sampling keys of the section that runs. */
function checkGroupSampling(c: z.infer<typeof RunConfigObject>, issue: (path: (string | number)[], message: string) => void): void {
  const t = c.training;
  const hasRewards = c.rewards.functions.length > 0 || c.rewards.reward_model_path !== null || hasEnvironment(c.environment);
  const groups = { rloo: ['num_generations', c.rloo.num_generations], reinforce_pp: ['n_samples_per_prompt', c.reinforce_pp.n_samples_per_prompt] } as const;
  if (t.algorithm === 'rloo' || t.algorithm === 'reinforce_pp') {
    const a = t.algorithm;
    if (c[a].reward_model_path === null && !hasRewards) issue(['rewards', 'functions'], `training.algorithm is ${a}: set rewards.functions, a reward model (${a}.reward_model_path) or an environment`);
    const [key, group] = groups[a];
    const perStep = t.per_device_train_batch_size === 'auto' ? group : t.per_device_train_batch_size * t.gradient_accumulation_steps;
    if (perStep % group !== 0) {
      issue(['training', 'per_device_train_batch_size'], `${a}: per_device_train_batch_size x gradient_accumulation_steps = ${t.per_device_train_batch_size} x ${t.gradient_accumulation_steps} = ${perStep} completions per step, which is not a whole number of groups of ${group} (${a}.${key}); use a multiple of ${group}`);
    }
  }
  const r = c.reinforce_pp;
  if (t.algorithm === 'reinforce_pp' && r.advantage_estimator !== 'reinforce') {
    if (r.n_samples_per_prompt < 2) issue(['reinforce_pp', 'n_samples_per_prompt'], `reinforce_pp.advantage_estimator ${r.advantage_estimator} compares the samples of a prompt: set n_samples_per_prompt >= 2 (got ${r.n_samples_per_prompt})`);
    if (r.gamma !== 1) issue(['reinforce_pp', 'gamma'], `reinforce_pp.gamma (${r.gamma}) must be 1 with advantage_estimator ${r.advantage_estimator} (OpenRLHF forces it); discounting is for reinforce`);
  }
  if (t.algorithm === 'grpo') checkSamplingCorrection('grpo', c.grpo, issue);
  if (t.algorithm === 'ppo') checkSamplingCorrection('ppo', c.ppo, issue);
  if (t.algorithm === 'rloo') checkSamplingCorrection('rloo', c.rloo, issue, true);
  if (t.algorithm === 'reinforce_pp') checkSamplingCorrection('reinforce_pp', c.reinforce_pp, issue);
  for (const a of ['rloo', 'reinforce_pp'] as const) {
    const range = c[a].reward_clip_range;
    if (range !== null && range[0] >= range[1]) issue([a, 'reward_clip_range'], `${a}.reward_clip_range [${range.join(', ')}] must be [low, high] with low < high`);
  }
}

/** evaluation.tasks must suit the model the run trains, and the reward task needs a reward model. */
function checkEvaluation(c: z.infer<typeof RunConfigObject>, issue: (path: (string | number)[], message: string) => void): void {
  const e = c.evaluation;
  const role = MODEL_ROLE[c.training.algorithm];
  const allowed = TASKS_FOR_ROLE[role];
  (e.tasks ?? []).forEach((task, i) => {
    if (!allowed.includes(task)) {
      issue(['evaluation', 'tasks', i], `evaluation.tasks: ${task} does not apply to training.algorithm ${c.training.algorithm} (its model is a ${role.replace('_', ' ')}); use ${allowed.join(', ')}`);
    }
  });
  // Only an explicit evaluation.tasks can ask for reward without a reward model.
  if ((e.tasks ?? []).includes('reward') && e.reward_model_path === null) {
    issue(['evaluation', 'tasks'], 'evaluation.tasks includes reward: set evaluation.reward_model_path (the reward model that scores the generations)');
  }
  if (e.checkpoints !== null && e.model_path !== null) {
    issue(['evaluation', 'model_path'], 'set evaluation.model_path (one model) or evaluation.checkpoints (several), not both');
  }
}

const RunConfigObject = z.strictObject({
  model: ModelConfig,
  lora: LoraSection.prefault({}),
  training: TrainingConfig.prefault({}),
  data: DataConfig.prefault({}),
  sft: SftConfig.prefault({}),
  reward: RewardConfig.prefault({}),
  dpo: DpoConfig.prefault({}),
  orpo: OrpoConfig.prefault({}),
  cpo: CpoConfig.prefault({}),
  gkd: GkdConfig.prefault({}),
  kto: KtoConfig.prefault({}),
  ppo: PpoConfig.prefault({}),
  grpo: GrpoConfig.prefault({}),
  online_dpo: OnlineDpoConfig.prefault({}),
  rloo: RlooConfig.prefault({}),
  reinforce_pp: ReinforcePpConfig.prefault({}),
  rewards: RewardsConfig.prefault({}),
  environment: EnvironmentConfig.prefault({}),
  prm: PrmConfig.prefault({}),
  critic: CriticConfig.prefault({}),
  pretrain: PretrainConfig.prefault({}),
  mlm: MlmConfig.prefault({}),
  contrastive: ContrastiveConfig.prefault({}),
  generation: GenerationConfig.prefault({}),
  evaluation: EvaluationConfig.prefault({}),
  logging: LoggingConfig.prefault({}),
  distributed: DistributedConfig.prefault({}),
});

/** The whole run config (the schema of one YAML file). */
export const RunConfig = RunConfigObject.superRefine(checkRun).describe('rlhf-ts run config');

/** A validated run config with every default filled in. */
export type RunConfig = z.output<typeof RunConfig>;
/** What a YAML file may contain (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfig>;

/** Section names in file order. */
export const SECTIONS = Object.keys(RunConfigObject.shape) as (keyof RunConfig)[];
