/**
 * `rlhf eval` as a library: the plan (./plan.ts) checked first, then each model directory
 * evaluated in turn, with what they share (reward model, reference log-probs, critic
 * students) loaded once.
 *
 * ```ts
 * const config = loadConfig('examples/configs/sft.yaml', { overrides: ['evaluation.checkpoints=all'] });
 * const results = await evaluateCheckpoints(config, { configFile: 'examples/configs/sft.yaml' });
 * writeEvalOutputs(results, evalOutputDir(config));          // eval_results.json, eval_report.md, generations/
 * const one = await evaluateModel(config, 'outputs/sft-tiny'); // { name, step, metrics: { 'generation/bleu': ..., 'perplexity/perplexity': ... } }
 * ```
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hasEnvironment, resolveModelPaths, startingBatchSize, type EvalTask, type RunConfig } from '../config/index.js';
import { loadEnvironment, type EnvironmentFactory } from '../environments/index.js';
import { episodeGenerationMetrics, generateEpisodeRows } from './episodes.js';
import {
  attachStudents, loadLatent, loadLatentMatrix, maskTokenIdOf, loadStepwise, loadTeacherStudent, padIdOf, prmMode, type CriticPair, type LatentRecord, type PreferenceExample,
} from '../data/index.js';
import { generationOf } from '../generation/index.js';
import { LATENT_PRM_ARCHITECTURE, LatentPrmModel, loadCausalLm, loadMaskedLmModel, readRawConfig, SequenceScoreModel, TokenClassifierModel, type Pooling, type PretrainedCausalLm } from '../models/index.js';
import { ADAPTER_CONFIG_FILE, loadLoraAdapter } from '../nn/index.js';
import { manualSeed } from '../tensor/index.js';
import { Tokenizer } from '../tokenizers/index.js';
import { scorePairLogps, scorePairs } from '../scoring/index.js';
import { configReading, firstN, loadEvalPrompts, loadEvalTexts, loadPairRecords, loadPerplexityExamples, loadPreferenceRecords, tokenizePreferences } from './eval-data.js';
import { hasCjk } from './metrics/cjk.js';
import { implicitRewardBeta, planEvaluation, referenceOf, type EvalPlan, type ModelDir } from './plan.js';
import { renderEvalReport } from './report.js';
import { generationLine, generationsFileOf, resultsJson, type EvalResults, type EvalSettings, type ModelEvaluation } from './results.js';
import { loadSentenceEncoder } from '../contrastive/index.js';
import { maskedLmEvalMetrics, retrievalEvalMetrics } from './encoder-tasks.js';
import {
  criticEvalMetrics, dpoPreferenceMetrics, generateCompletions, generationMetrics, latentPrmMetrics, perplexityMetrics, rewardMetrics,
  rewardModelPreferenceMetrics, stepwisePrmMetrics, textTokenization, type GenerationRow, type Metrics, type TextTokenization,
} from './tasks.js';

export interface EvaluateOptions {
  /** The config file, named in error messages and in the results. */
  configFile?: string;
  /** Progress of long loops (generation, scoring), after each batch. */
  onProgress?: (p: { model: string; task: string; done: number; total: number }) => void;
  /** One line per event worth telling (a skipped checkpoint, a model done). */
  log?: (line: string) => void;
}

/** Policy weights: a full model directory, or a PEFT adapter dir on top of model.name_or_path. */
function loadPolicy(config: RunConfig, dir: string): PretrainedCausalLm {
  if (!existsSync(join(dir, ADAPTER_CONFIG_FILE))) return loadCausalLm(dir);
  const model = loadCausalLm(resolve(config.model.name_or_path));
  try {
    loadLoraAdapter(model, dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Evaluates the planned directories one after another; shared models and data are loaded once. */
class EvalSession {
  private readonly tokenizers = new Map<string, Tokenizer>();
  private rewardModel: { model: SequenceScoreModel; tokenizer: Tokenizer } | null = null;
  private environmentFactory: EnvironmentFactory | null = null;
  // Keyed by tokenizer: the same files tokenized alike give the same pairs.
  private readonly referenceLogps = new Map<Tokenizer, { chosen: number[]; rejected: number[] }>();
  private readonly criticPairs = new Map<Tokenizer, CriticPair[]>();
  tokenization: TextTokenization | null = null;
  readonly batchSize: number;

  constructor(private readonly config: RunConfig, private readonly plan: EvalPlan, private readonly options: EvaluateOptions) {
    this.batchSize = config.evaluation.batch_size ?? startingBatchSize(config.training, 'per_device_eval_batch_size');
  }

  /** model.tokenizer_name_or_path, else the directory's own tokenizer, else model.name_or_path's. */
  private tokenizerFor(dir: string): Tokenizer {
    const m = this.config.model;
    const tokDir = resolve(m.tokenizer_name_or_path ?? (existsSync(join(dir, 'tokenizer.json')) ? dir : m.name_or_path));
    let tok = this.tokenizers.get(tokDir);
    if (tok === undefined) {
      tok = Tokenizer.fromPretrained(tokDir);
      this.tokenizers.set(tokDir, tok);
    }
    return tok;
  }

  private progress(model: string, task: string) {
    const report = this.options.onProgress;
    return report === undefined ? undefined : (done: number, total: number) => report({ model, task, done, total });
  }

  private get scoreOptions() {
    return { batchSize: this.batchSize, maxLength: this.config.data.max_length, maxPromptLength: this.config.data.max_prompt_length, chatTemplate: this.config.data.chat_template };
  }

  async evaluate(dir: ModelDir): Promise<ModelEvaluation> {
    const started = Date.now();
    const generations: GenerationRow[] = [];
    let metrics: Metrics;
    switch (this.plan.role) {
      case 'policy':
        metrics = await this.evaluatePolicy(dir, generations);
        break;
      case 'reward_model':
        metrics = await this.evaluateRewardModel(dir);
        break;
      case 'prm':
        metrics = await this.evaluatePrm(dir);
        break;
      case 'critic':
        metrics = await this.evaluateCritic(dir);
        break;
      case 'encoder':
        metrics = await this.evaluateEncoder(dir);
        break;
      default: {
        const unknown: never = this.plan.role;
        throw new Error(`unknown model role ${String(unknown)}`);
      }
    }
    // Metric groups in the order of evaluation.tasks (generation runs first whenever reward needs its completions).
    const rank = (key: string) => {
      const i = this.plan.tasks.indexOf(key.slice(0, key.indexOf('/')) as EvalTask);
      return i < 0 ? this.plan.tasks.length : i;
    };
    const ordered = Object.fromEntries(Object.entries(metrics).sort(([a], [b]) => rank(a) - rank(b)));
    return { name: dir.name, path: dir.path, step: dir.step, metrics: ordered, generations, seconds: (Date.now() - started) / 1000 };
  }

  private async evaluatePolicy(dir: ModelDir, generations: GenerationRow[]): Promise<Metrics> {
    const { tasks, sources } = this.plan;
    const config = this.config;
    const tokenizer = this.tokenizerFor(dir.path);
    const padTokenId = padIdOf(tokenizer);
    const metrics: Metrics = {};
    const model = loadPolicy(config, dir.path);
    try {
      const promptSources = sources.generation ?? sources.reward;
      if (promptSources !== undefined) {
        const environment = await this.environment();
        const tools = environment !== null && config.environment.tools_in_prompt && environment.tools.length > 0 ? environment.tools : undefined;
        const prompts = await loadEvalPrompts(config, tokenizer, promptSources, tools);
        if (prompts.length === 0) throw new Error(`generation: no prompt in ${promptSources.map((s) => s.path).join(', ')}`);
        const e = config.evaluation;
        const g = { ...config.generation, max_new_tokens: e.max_new_tokens ?? config.generation.max_new_tokens, do_sample: config.generation.do_sample && !e.greedy };
        const settings = { ...generationOf({ ...config, generation: g }, tokenizer, model), seed: config.training.seed };
        const progress = this.progress(dir.name, 'generation');
        if (environment === null) {
          generations.push(...generateCompletions(model, tokenizer, prompts, settings, this.batchSize, progress));
        } else {
          const limits = { maxTurns: config.environment.max_turns, maxEpisodeTokens: config.environment.max_episode_tokens };
          generations.push(...(await generateEpisodeRows(model, tokenizer, prompts, settings, environment, limits, this.batchSize, progress)));
        }
        if (tasks.includes('generation')) Object.assign(metrics, generationMetrics(generations, this.textTokenizationOf(generations)), environment === null ? {} : episodeGenerationMetrics(generations));
        if (tasks.includes('reward')) {
          const rm = this.loadRewardModel();
          Object.assign(metrics, rewardMetrics(rm.model, rm.tokenizer, generations, this.scoreOptions));
        }
      }
      if (sources.perplexity !== undefined) {
        const examples = await loadPerplexityExamples(config, tokenizer, sources.perplexity);
        Object.assign(metrics, perplexityMetrics(model, examples, padTokenId, this.batchSize, this.progress(dir.name, 'perplexity')));
      }
      if (sources.preference !== undefined) {
        const examples = tokenizePreferences(config, tokenizer, await loadPreferenceRecords(config, sources.preference));
        const reference = this.referenceLogpsOf(tokenizer, examples);
        Object.assign(metrics, dpoPreferenceMetrics(model, examples, reference, padTokenId, implicitRewardBeta(config), this.batchSize));
      }
    } finally {
      model.dispose();
    }
    return metrics;
  }

  /** The run's environment (config `environment:`), loaded once: generation then plays out episodes. */
  private async environment(): Promise<EnvironmentFactory | null> {
    const e = this.config.environment;
    if (!hasEnvironment(e)) return null;
    this.environmentFactory ??= await loadEnvironment({ name: e.name, module: e.module, export: e.export });
    return this.environmentFactory;
  }

  /** evaluation.bleu_tokenizer with auto resolved on the references: zh when one has a CJK character. */
  private textTokenizationOf(rows: readonly GenerationRow[]): TextTokenization {
    if (this.tokenization === null) {
      const choice = this.config.evaluation.bleu_tokenizer;
      const zh = choice === 'zh' || (choice === 'auto' && rows.some((r) => r.reference !== null && hasCjk(r.reference)));
      this.tokenization = textTokenization(zh ? 'zh' : '13a');
    }
    return this.tokenization;
  }

  private loadRewardModel(): { model: SequenceScoreModel; tokenizer: Tokenizer } {
    if (this.rewardModel === null) {
      const path = this.config.evaluation.reward_model_path;
      if (path === null) throw new Error('the reward task needs evaluation.reward_model_path');
      this.rewardModel = { model: SequenceScoreModel.fromPretrained(resolve(path)), tokenizer: this.tokenizerFor(path) };
    }
    return this.rewardModel;
  }

  /** The reference's log-probs of the pairs, computed once (the reference is freed right after). */
  private referenceLogpsOf(tokenizer: Tokenizer, examples: readonly PreferenceExample[]): { chosen: number[]; rejected: number[] } {
    const ref = referenceOf(this.config);
    if (ref === null) return { chosen: examples.map(() => 0), rejected: examples.map(() => 0) };
    let logps = this.referenceLogps.get(tokenizer);
    if (logps === undefined) {
      const model = loadCausalLm(resolve(ref.path));
      try {
        logps = scorePairLogps(model, examples, padIdOf(tokenizer), this.batchSize);
      } finally {
        model.dispose();
      }
      this.referenceLogps.set(tokenizer, logps);
    }
    return logps;
  }

  /** An mlm or contrastive run's model: retrieval on held-out pairs, masked-token prediction on held-out text. */
  private async evaluateEncoder(dir: ModelDir): Promise<Metrics> {
    const { sources } = this.plan;
    const config = this.config;
    const tokenizer = this.tokenizerFor(dir.path);
    const metrics: Metrics = {};
    if (sources.retrieval !== undefined) {
      const pairs = await loadPairRecords(config, sources.retrieval);
      const encoder = loadSentenceEncoder(dir.path);
      try {
        Object.assign(metrics, retrievalEvalMetrics(encoder, tokenizer, pairs, { pooling: config.contrastive.pooling, batchSize: this.batchSize, maxLength: config.data.max_length }));
      } finally {
        encoder.dispose();
      }
    }
    if (sources.masked_lm !== undefined) {
      const texts = await loadEvalTexts(config, sources.masked_lm);
      const maskTokenId = maskTokenIdOf(tokenizer, config.mlm.mask_token);
      const model = loadMaskedLmModel(dir.path, {}, false);
      try {
        Object.assign(metrics, maskedLmEvalMetrics(model, tokenizer, texts, { maskTokenId, maskProb: config.mlm.mask_prob, seed: config.training.seed, batchSize: this.batchSize, maxLength: config.data.max_length }));
      } finally {
        model.module.dispose();
      }
    }
    return metrics;
  }

  private async evaluateRewardModel(dir: ModelDir): Promise<Metrics> {
    const tokenizer = this.tokenizerFor(dir.path);
    const records = await loadPreferenceRecords(this.config, this.plan.sources.preference ?? []);
    manualSeed(this.config.training.seed); // a base model's fresh score head starts as in training
    const rm = SequenceScoreModel.fromPretrained(dir.path);
    try {
      const s = scorePairs(rm, tokenizer, records, this.scoreOptions);
      return rewardModelPreferenceMetrics(s.chosen, s.rejected);
    } finally {
      rm.dispose();
    }
  }

  private async evaluatePrm(dir: ModelDir): Promise<Metrics> {
    const config = configReading(this.config, this.plan.sources.prm ?? []);
    const max = this.config.evaluation.max_examples;
    manualSeed(this.config.training.seed);
    if (prmMode(this.config) === 'latent') {
      const records = firstN(await loadLatent(config, 'validation'), max);
      const model = LatentPrmModel.fromPretrained(dir.path, this.latentOptions(dir.path, records));
      try {
        return latentPrmMetrics(model, records, this.batchSize);
      } finally {
        model.dispose();
      }
    }
    const tokenizer = this.tokenizerFor(dir.path);
    const examples = firstN(await loadStepwise(config, tokenizer, 'validation'), max);
    const model = TokenClassifierModel.fromPretrained(dir.path, { numLabels: 2 });
    try {
      return stepwisePrmMetrics(model, examples, padIdOf(tokenizer), this.batchSize);
    } finally {
      model.dispose();
    }
  }

  /** A saved latent PRM knows its width and pooling; a base model gets them as training gave them. */
  private latentOptions(dir: string, records: readonly LatentRecord[]): { latentDim?: number; pooling?: Pooling } {
    const architectures = readRawConfig(dir).raw.architectures;
    if (Array.isArray(architectures) && architectures.includes(LATENT_PRM_ARCHITECTURE)) return {};
    const first = records[0];
    if (first === undefined) throw new Error('prm (latent): no latent records to evaluate');
    const matrix = loadLatentMatrix(first);
    const width = matrix.size(1) as number;
    matrix.dispose();
    return { latentDim: this.config.prm.latent_dim ?? width, pooling: this.config.prm.pooling };
  }

  private async evaluateCritic(dir: ModelDir): Promise<Metrics> {
    const tokenizer = this.tokenizerFor(dir.path);
    const eos = tokenizer.eosTokenId;
    if (eos === null) throw new Error('critic: the tokenizer has no eos token; responses are scored up to it');
    const pairs = await this.criticPairsOf(tokenizer);
    manualSeed(this.config.training.seed);
    const critic = SequenceScoreModel.fromPretrained(dir.path, { pooling: 'last' });
    try {
      return criticEvalMetrics(critic, pairs, { padTokenId: padIdOf(tokenizer), eosTokenIds: [eos], batchSize: this.batchSize });
    } finally {
      critic.dispose();
    }
  }

  /** Teacher/student pairs, students from the records or (critic.student_source) written by the actor once. */
  private async criticPairsOf(tokenizer: Tokenizer): Promise<CriticPair[]> {
    const cached = this.criticPairs.get(tokenizer);
    if (cached !== undefined) return cached;
    const config = this.config;
    const examples = firstN(await loadTeacherStudent(configReading(config, this.plan.sources.critic ?? []), tokenizer, 'validation'), config.evaluation.max_examples);
    let actor: PretrainedCausalLm | null = null;
    try {
      const pairs = attachStudents(examples, config.critic.student_source, () => (actor ??= loadCausalLm(resolve(config.critic.actor_model_path ?? config.model.name_or_path))), {
        generation: config.generation,
        seed: config.training.seed,
        batchSize: this.batchSize,
        padTokenId: padIdOf(tokenizer),
        onBatch: this.progress('actor', 'critic students'),
      });
      if (pairs.length === 0) throw new Error('critic: no teacher/student pair with both responses to evaluate');
      this.criticPairs.set(tokenizer, pairs);
      return pairs;
    } finally {
      (actor as PretrainedCausalLm | null)?.dispose();
    }
  }

  settings(): EvalSettings {
    const c = this.config;
    const e = c.evaluation;
    const t = this.tokenization;
    const dpo = this.plan.role === 'policy' && this.plan.tasks.includes('preference');
    return {
      modelRole: this.plan.role,
      bleuTokenizer: t?.bleu === 'zh' ? 'zh' : t === null ? null : '13a',
      rougeTokenizer: t?.rouge ?? null,
      distinctTokenizer: t?.distinct ?? null,
      greedy: e.greedy || !c.generation.do_sample || c.generation.temperature === 0,
      maxNewTokens: e.max_new_tokens ?? c.generation.max_new_tokens,
      batchSize: this.batchSize,
      maxExamples: e.max_examples,
      rewardModel: this.plan.tasks.includes('reward') ? e.reward_model_path : null,
      referenceModel: dpo ? (referenceOf(c)?.path ?? null) : null,
      beta: dpo ? implicitRewardBeta(c) : null,
    };
  }

  dispose(): void {
    this.rewardModel?.model.dispose();
    this.rewardModel = null;
  }
}

/**
 * model.name_or_path and model.tokenizer_name_or_path located (a hub id in the Hugging Face
 * cache, model.cache_dir); as given when they cannot be, so the plan names what is missing.
 */
function locatedModels(config: RunConfig): RunConfig {
  try {
    return resolveModelPaths(config);
  } catch {
    return config;
  }
}

/**
 * Evaluates every directory evaluation.checkpoints names (or evaluation.model_path / the
 * starting model) on the tasks of the config. Throws a ConfigError listing every problem with
 * the config before any model loads.
 */
export async function evaluateCheckpoints(given: RunConfig, options: EvaluateOptions = {}): Promise<EvalResults> {
  const config = locatedModels(given);
  const plan = await planEvaluation(config, options);
  for (const note of plan.notes) options.log?.(`eval: ${note}`);
  const session = new EvalSession(config, plan, options);
  const models: ModelEvaluation[] = [];
  try {
    for (const dir of plan.models) {
      const result = await session.evaluate(dir);
      models.push(result);
      options.log?.(`eval: ${dir.name}${dir.step === null ? '' : ` (step ${dir.step})`}: ${summary(result.metrics)}`);
    }
  } finally {
    session.dispose();
  }
  return {
    config: options.configFile ?? null,
    createdAt: new Date().toISOString(),
    tasks: plan.tasks,
    settings: session.settings(),
    data: Object.fromEntries(Object.entries(plan.sources).map(([task, s]) => [task, (s ?? []).map((x) => x.path)])),
    models,
  };
}

/** Evaluates one model directory (evaluation.checkpoints and model_path are replaced by `modelDir`). */
export async function evaluateModel(config: RunConfig, modelDir: string, options: EvaluateOptions = {}): Promise<ModelEvaluation> {
  const one: RunConfig = { ...config, evaluation: { ...config.evaluation, model_path: modelDir, checkpoints: null } };
  const results = await evaluateCheckpoints(one, options);
  return results.models[0] as ModelEvaluation;
}

const HEADLINE = ['generation/exact_match', 'generation/numeric_match', 'generation/bleu', 'generation/rouge_l_f1', 'generation/distinct_2', 'perplexity/perplexity', 'reward/mean', 'preference/accuracy', 'prm/mse', 'prm/step_accuracy', 'critic/d_acc'];

/** The headline metrics of a model, for a log line. */
function summary(metrics: Metrics): string {
  const keys = HEADLINE.filter((k) => k in metrics);
  return keys.map((k) => `${k} ${(metrics[k] as number).toFixed(4)}`).join(', ');
}

/** Writes eval_results.json, eval_report.md and generations/<model>.jsonl into `outDir`; returns their paths. */
export function writeEvalOutputs(results: EvalResults, outDir: string, options: { numSamples?: number } = {}): { results: string; report: string; generations: string[] } {
  mkdirSync(outDir, { recursive: true });
  const generations: string[] = [];
  for (const m of results.models) {
    if (m.generations.length === 0) continue;
    const file = join(outDir, generationsFileOf(m));
    mkdirSync(join(outDir, 'generations'), { recursive: true });
    writeFileSync(file, `${m.generations.map(generationLine).join('\n')}\n`);
    generations.push(file);
  }
  const resultsFile = join(outDir, 'eval_results.json');
  writeFileSync(resultsFile, `${JSON.stringify(resultsJson(results), null, 2)}\n`);
  const reportFile = join(outDir, 'eval_report.md');
  writeFileSync(reportFile, renderEvalReport(results, options));
  return { results: resultsFile, report: reportFile, generations };
}
