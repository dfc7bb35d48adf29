/**
 * What `rlhf eval` will do, settled before any model loads: the tasks, the model directories
 * (one model, a list, or every complete checkpoint of a run with its step) and the files each
 * task reads. Every problem is collected into one ConfigError naming the config keys.
 *
 * ```ts
 * const plan = await planEvaluation(config, { configFile: 'examples/configs/sft.yaml' });
 * plan.models;   // [{ name: 'checkpoint-10', path: 'outputs/sft-tiny/checkpoint-10', step: 10 }, ...]
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, evalTasksOf, MODEL_ROLE, type EvalModelRole, type EvalTask, type RunConfig } from '../config/index.js';
import { ADAPTER_CONFIG_FILE } from '../nn/index.js';
import { CheckpointManager, checkpointProblems, readTrainerState, TRAINER_STATE_FILE } from '../checkpoint/index.js';
import { EvalInputError, taskSources, type EvalProblem, type EvalSource } from './eval-data.js';

/** A model directory to evaluate. */
export interface ModelDir {
  name: string;
  path: string;
  step: number | null;
}

/** Everything checked before a model loads. */
export interface EvalPlan {
  tasks: EvalTask[];
  role: EvalModelRole;
  models: ModelDir[];
  sources: Partial<Record<EvalTask, EvalSource[]>>;
  /** Checkpoints left out (incomplete), as sentences. */
  notes: string[];
}

const isModelDir = (dir: string) => existsSync(join(dir, 'config.json')) || existsSync(join(dir, ADAPTER_CONFIG_FILE));

/** The run's starting model: what evaluation.model_path null means. */
function startModel(config: RunConfig): { path: string; key: string } {
  if (config.training.algorithm === 'critic' && config.critic.value_model_path !== null) return { path: config.critic.value_model_path, key: 'critic.value_model_path' };
  return { path: config.model.name_or_path, key: 'model.name_or_path' };
}

/** The step a model directory was trained to: trainer_state.json, training_stats.json, or a checkpoint-<step> name; else null. */
export function stepOf(dir: string): number | null {
  if (existsSync(join(dir, TRAINER_STATE_FILE))) {
    try {
      return readTrainerState(dir).globalStep;
    } catch {
      // fall through to the other sources
    }
  }
  const stats = join(dir, 'training_stats.json');
  if (existsSync(stats)) {
    try {
      const step = (JSON.parse(readFileSync(stats, 'utf8')) as { global_step?: unknown }).global_step;
      if (typeof step === 'number') return step;
    } catch {
      // fall through
    }
  }
  const match = /checkpoint-(\d+)$/.exec(basename(resolve(dir)));
  return match === null ? null : Number(match[1]);
}

/**
 * The directories evaluation.checkpoints (or model_path) names. `all`: every complete
 * checkpoint-<step> of training.output_dir, then its final model unless a checkpoint has the
 * same step (the same weights), in step order.
 */
export function resolveModelDirs(config: RunConfig): { models: ModelDir[]; problems: EvalProblem[]; notes: string[] } {
  const e = config.evaluation;
  const problems: EvalProblem[] = [];
  const notes: string[] = [];
  const named = (path: string, key: string): ModelDir | null => {
    if (!existsSync(path)) problems.push({ path: key, message: `${path} does not exist` });
    else if (!isModelDir(path)) problems.push({ path: key, message: `${path} is not a model directory (no config.json or ${ADAPTER_CONFIG_FILE})` });
    else return { name: basename(resolve(path)), path, step: stepOf(path) };
    return null;
  };
  let models: ModelDir[] = [];
  if (e.checkpoints === 'all') {
    const out = config.training.output_dir;
    for (const ref of new CheckpointManager(out).list()) {
      const problem = checkpointProblems(ref.dir)[0];
      if (problem === undefined) models.push({ name: basename(ref.dir), path: ref.dir, step: ref.step });
      else notes.push(`${ref.dir} left out: ${problem}`);
    }
    if (isModelDir(out) && existsSync(join(out, 'training_stats.json'))) {
      const step = stepOf(out);
      if (!models.some((m) => m.step === step)) models.push({ name: 'final', path: out, step });
    }
    models.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
    if (models.length === 0) {
      problems.push({ path: 'evaluation.checkpoints', message: `all: training.output_dir (${out}) has no complete checkpoint-<step> directory and no final model; train first (rlhf train --config FILE)` });
    }
  } else if (e.checkpoints !== null) {
    e.checkpoints.forEach((dir, i) => {
      const m = named(dir, `evaluation.checkpoints[${i}]`);
      if (m !== null) models.push(m);
    });
  } else {
    const { path, key } = e.model_path === null ? startModel(config) : { path: e.model_path, key: 'evaluation.model_path' };
    const m = named(path, key);
    if (m !== null) models = [m];
  }
  // Names become file names (generations/<name>.jsonl): keep them distinct.
  const seen = new Map<string, number>();
  for (const m of models) {
    const n = (seen.get(m.name) ?? 0) + 1;
    seen.set(m.name, n);
    if (n > 1) m.name = `${m.name}-${n}`;
  }
  return { models, problems, notes };
}

/** Where the outputs go: evaluation.output_dir, else <training.output_dir>/eval. */
export function evalOutputDir(config: RunConfig): string {
  return config.evaluation.output_dir ?? join(config.training.output_dir, 'eval');
}

/**
 * The reference the implicit rewards β·log(π/π_ref) are taken against: the kto section's for a
 * kto run, the dpo section's otherwise; null when dpo.reference_free.
 */
export function referenceOf(config: RunConfig): { path: string; key: string } | null {
  const kto = config.training.algorithm === 'kto';
  if (!kto && config.dpo.reference_free) return null;
  if (config.evaluation.reference_model_path !== null) return { path: config.evaluation.reference_model_path, key: 'evaluation.reference_model_path' };
  const [own, key] = kto ? [config.kto.ref_model_path, 'kto.ref_model_path'] : [config.dpo.ref_model_path, 'dpo.ref_model_path'];
  if (own !== null) return { path: own, key };
  return { path: config.model.name_or_path, key: 'model.name_or_path' };
}

/** β of the implicit rewards: kto.beta for a kto run, else dpo.beta. */
export const implicitRewardBeta = (config: RunConfig): number => (config.training.algorithm === 'kto' ? config.kto.beta : config.dpo.beta);

/** Checks tasks, model directories and every file they read; throws one ConfigError listing every problem. */
export async function planEvaluation(config: RunConfig, options: { configFile?: string } = {}): Promise<EvalPlan> {
  const tasks = evalTasksOf(config);
  const role = MODEL_ROLE[config.training.algorithm];
  const { models, problems, notes } = resolveModelDirs(config);
  const sources: Partial<Record<EvalTask, EvalSource[]>> = {};
  for (const task of tasks) {
    try {
      sources[task] = await taskSources(config, task);
    } catch (err) {
      if (!(err instanceof EvalInputError)) throw err;
      problems.push(err.problem);
    }
  }
  const needPath = (path: string | null, key: string) => {
    if (path !== null && !existsSync(path)) problems.push({ path: key, message: `${path} does not exist` });
  };
  if (tasks.includes('reward')) needPath(config.evaluation.reward_model_path, 'evaluation.reward_model_path');
  const reference = referenceOf(config);
  if (tasks.includes('preference') && role === 'policy' && reference !== null) needPath(reference.path, reference.key);
  if (problems.length > 0) {
    const source = options.configFile ?? 'config';
    const unique = [...new Map(problems.map((p) => [`${p.path}: ${p.message}`, p])).values()];
    throw new ConfigError(unique.map((p) => ({ source, path: p.path, message: `${p.path}: ${p.message}` })));
  }
  return { tasks, role, models, sources, notes };
}
