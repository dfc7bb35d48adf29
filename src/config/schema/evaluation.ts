/** `evaluation:` — what `rlhf eval` measures, on which model directories and data. */
import { z } from 'zod';
import type { Algorithm } from './training.js';

/**
 * Metric groups `rlhf eval` can run:
 * - generation: greedy completions of the prompts, scored against references with corpus
 *   BLEU-4, ROUGE-L F1 and distinct-1/2;
 * - perplexity: exp of the mean completion-token loss on prompt/response records;
 * - reward: mean reward of those completions under evaluation.reward_model_path;
 * - preference: accuracy and margin on chosen/rejected pairs, of a reward model or of a DPO
 *   or KTO policy's implicit rewards β·log(π/π_ref) against its reference;
 * - prm: MSE/MAE/R² (and step accuracy for stepwise PRMs) of a process reward model;
 * - critic: d_acc and score_diff of a critic on teacher/student responses;
 * - retrieval: top-1 accuracy and MRR of an encoder ranking held-out anchor/positive pairs;
 * - masked_lm: accuracy and loss of an encoder filling masked tokens of held-out text.
 */
export const EVAL_TASKS = ['generation', 'perplexity', 'reward', 'preference', 'prm', 'critic', 'retrieval', 'masked_lm'] as const;
export type EvalTask = (typeof EVAL_TASKS)[number];

/** What kind of model a run's directories hold, by training.algorithm. */
export type EvalModelRole = 'policy' | 'reward_model' | 'prm' | 'critic' | 'encoder';

export const MODEL_ROLE: Record<Algorithm, EvalModelRole> = {
  sft: 'policy',
  dpo: 'policy',
  orpo: 'policy',
  cpo: 'policy',
  gkd: 'policy',
  kto: 'policy',
  grpo: 'policy',
  online_dpo: 'policy',
  rloo: 'policy',
  reinforce_pp: 'policy',
  ppo: 'policy',
  reward: 'reward_model',
  prm: 'prm',
  critic: 'critic',
  pretrain: 'policy',
  mlm: 'encoder',
  contrastive: 'encoder',
};

/** The tasks each kind of model can be evaluated on. */
export const TASKS_FOR_ROLE: Record<EvalModelRole, readonly EvalTask[]> = {
  policy: ['generation', 'perplexity', 'reward', 'preference'],
  reward_model: ['preference'],
  prm: ['prm'],
  critic: ['critic'],
  encoder: ['retrieval', 'masked_lm'],
};

/** evaluation.tasks when it is null, by training.algorithm (`reward` is added when evaluation.reward_model_path is set). */
export const DEFAULT_TASKS: Record<Algorithm, readonly EvalTask[]> = {
  sft: ['generation', 'perplexity'],
  dpo: ['preference', 'generation'],
  orpo: ['preference', 'generation'],
  cpo: ['preference', 'generation'],
  gkd: ['generation', 'perplexity'],
  kto: ['preference', 'generation'],
  grpo: ['generation'],
  online_dpo: ['generation'],
  rloo: ['generation'],
  reinforce_pp: ['generation'],
  ppo: ['generation'],
  reward: ['preference'],
  prm: ['prm'],
  critic: ['critic'],
  pretrain: ['perplexity'],
  mlm: ['masked_lm'],
  contrastive: ['retrieval'],
};

export const BLEU_TOKENIZER_CHOICES = ['auto', '13a', 'zh'] as const;

export const EvaluationConfig = z
  .strictObject({
    model_path: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Model directory to evaluate when checkpoints is null; null = the run\'s starting model (model.name_or_path; critic.value_model_path for a critic when set).'),
    checkpoints: z
      .union([z.literal('all'), z.array(z.string().min(1)).min(1)])
      .nullable()
      .default(null)
      .describe('Several model directories compared in one table: a list, or all = every complete checkpoint-<step> of training.output_dir plus its final model, in step order; null = model_path only.'),
    eval_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('One evaluation file for every task (its record kind is read from its first row); null = the data.datasets.<kind>.validation_files each task reads.'),
    tasks: z
      .array(z.enum(EVAL_TASKS))
      .min(1)
      .nullable()
      .default(null)
      .describe('Metric groups: generation, perplexity, reward, preference, prm, critic; null = by training.algorithm (sft: generation, perplexity; dpo: preference, generation; reward: preference; ...).'),
    reward_model_path: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Reward model that scores the generations (task reward); null = none. Its tokenizer is its own, else model.tokenizer_name_or_path.'),
    reference_model_path: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Reference for DPO and KTO implicit rewards (task preference on a policy); null = dpo.ref_model_path (kto.ref_model_path for kto), else model.name_or_path.'),
    max_examples: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('Evaluate at most this many records per task (the first ones); null = all.'),
    num_samples: z.number().int().min(0).default(5).describe('Sample generations (prompt / reference / output) shown in the report.'),
    bleu_tokenizer: z
      .enum(BLEU_TOKENIZER_CHOICES)
      .default('auto')
      .describe('BLEU tokenizer: 13a (sacrebleu default), zh (Chinese characters), or auto = zh when a reference contains CJK characters; zh also makes ROUGE-L and distinct-n count CJK characters as tokens.'),
    greedy: z
      .boolean()
      .default(true)
      .describe('Decode greedily (reproducible); false samples with the generation: settings and training.seed.'),
    max_new_tokens: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('Longest generation; null = generation.max_new_tokens.'),
    batch_size: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('Examples per forward pass or generate() call; null = training.per_device_eval_batch_size.'),
    output_dir: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('Where eval_results.json, eval_report.md and the generations go; null = <training.output_dir>/eval.'),
  })
  .describe('Automatic evaluation (rlhf eval): metrics of one model or of a run\'s checkpoints.');

export type EvaluationConfig = z.infer<typeof EvaluationConfig>;
