/**
 * What `rlhf eval` produces: per model directory its step and metrics, the comparison table
 * across checkpoints, and the files written (`eval_results.json`, `eval_report.md`,
 * `generations/<model>.jsonl`).
 *
 * ```ts
 * const table = comparisonTable(results);   // { columns: [{ name: 'checkpoint-2', step: 2 }, ...], rows: [{ metric: 'generation/bleu', values: [0.8, 1.9] }, ...] }
 * ```
 */
import type { EvalModelRole, EvalTask } from '../config/index.js';
import type { GenerationRow, Metrics } from './tasks.js';

/** One evaluated model directory. */
export interface ModelEvaluation {
  /** `checkpoint-<step>`, `final` (a run's output_dir) or the directory's name. */
  name: string;
  path: string;
  /** Optimizer steps the model was trained for, when its trainer_state.json / training_stats.json or name says; else null. */
  step: number | null;
  /** `<task>/<metric>` → value, e.g. `generation/bleu`, `perplexity/perplexity`, `critic/d_acc`. */
  metrics: Metrics;
  /** Every completion of the generation/reward tasks, in prompt order (empty when neither ran). */
  generations: GenerationRow[];
  seconds: number;
}

export interface EvalSettings {
  modelRole: EvalModelRole;
  /** The BLEU tokenizer used (evaluation.bleu_tokenizer with auto resolved); null when no generation was scored. */
  bleuTokenizer: '13a' | 'zh' | null;
  rougeTokenizer: 'rouge-score' | 'cjk-aware' | null;
  distinctTokenizer: 'whitespace' | 'zh' | null;
  greedy: boolean;
  maxNewTokens: number;
  batchSize: number;
  maxExamples: number | null;
  rewardModel: string | null;
  /** The reference of DPO implicit rewards (null: none loaded, or reference-free). */
  referenceModel: string | null;
  beta: number | null;
}

export interface EvalResults {
  /** The config file, when known. */
  config: string | null;
  createdAt: string;
  tasks: EvalTask[];
  settings: EvalSettings;
  /** The files each task read. */
  data: Partial<Record<EvalTask, string[]>>;
  models: ModelEvaluation[];
}

/** The metrics across model directories: one row per metric, one column per model (step order as evaluated). */
export interface ComparisonTable {
  columns: { name: string; step: number | null }[];
  rows: { metric: string; values: (number | null)[] }[];
}

/** Rows in the order metrics first appear; a model that lacks a metric has null there. */
export function comparisonTable(results: Pick<EvalResults, 'models'>): ComparisonTable {
  const metrics: string[] = [];
  for (const m of results.models) for (const key of Object.keys(m.metrics)) if (!metrics.includes(key)) metrics.push(key);
  return {
    columns: results.models.map((m) => ({ name: m.name, step: m.step })),
    rows: metrics.map((metric) => ({ metric, values: results.models.map((m) => m.metrics[metric] ?? null) })),
  };
}

/** `generations/<name>.jsonl`, relative to the output dir. */
export const generationsFileOf = (m: Pick<ModelEvaluation, 'name'>): string => `generations/${m.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.jsonl`;

/** The eval_results.json object (snake_case keys, generations referenced by file). */
export function resultsJson(results: EvalResults): Record<string, unknown> {
  const s = results.settings;
  const table = comparisonTable(results);
  return {
    config: results.config,
    created_at: results.createdAt,
    tasks: results.tasks,
    settings: {
      model_role: s.modelRole,
      bleu_tokenizer: s.bleuTokenizer,
      rouge_tokenizer: s.rougeTokenizer,
      distinct_tokenizer: s.distinctTokenizer,
      greedy: s.greedy,
      max_new_tokens: s.maxNewTokens,
      batch_size: s.batchSize,
      max_examples: s.maxExamples,
      reward_model: s.rewardModel,
      reference_model: s.referenceModel,
      beta: s.beta,
    },
    data: results.data,
    models: results.models.map((m) => ({
      name: m.name,
      path: m.path,
      step: m.step,
      metrics: m.metrics,
      generations_file: m.generations.length > 0 ? generationsFileOf(m) : null,
      seconds: m.seconds,
    })),
    comparison: { columns: table.columns, metrics: Object.fromEntries(table.rows.map((r) => [r.metric, r.values])) },
  };
}

/** One JSONL row per completion. */
export function generationLine(row: GenerationRow): string {
  return JSON.stringify({
    prompt: row.prompt,
    reference: row.reference,
    output: row.output,
    num_tokens: row.numTokens,
    finish_reason: row.finishReason,
    ...(row.reward === undefined ? {} : { reward: row.reward }),
    ...(row.episode === undefined
      ? {}
      : { turns: row.turns, tool_calls: row.toolCalls, tool_errors: row.toolErrors, environment_reward: row.environmentReward, episode: row.episode }),
  });
}
