/**
 * What each evaluation task reads: `evaluation.eval_file` (its record kind read from its first
 * row) or the config's validation files of the kinds the task takes, checked before any model
 * loads; then the records, tokenized exactly as the trainers tokenize them.
 *
 * ```ts
 * const sources = await taskSources(config, 'perplexity');   // [{ kind: 'sft', path: 'data/sample/sft_val.jsonl', key: 'data.datasets.sft.validation_files[0].path' }]
 * const examples = await loadPerplexityExamples(config, tokenizer, sources);
 * ```
 */
import { existsSync } from 'node:fs';
import type { EvalTask, RunConfig } from '../config/index.js';
import {
  checkChatTemplateMode, detectFileFormat, loadDataset, loadSftExamples, prmMode, readRows, streamDocuments, tokenizeOptions, tokenizePrompt, tokenizePreference, usesChatTemplate,
  type DataKind, type PairRecord, type PreferenceExample, type PreferenceRecord, type TokenizedExample,
} from '../data/index.js';
import type { ChatMessage, Tokenizer } from '../tokenizers/index.js';

/** One file a task reads. */
export interface EvalSource {
  kind: DataKind;
  path: string;
  /** The config key that names the file: `evaluation.eval_file` or `data.datasets.sft.validation_files[0].path`. */
  key: string;
}

/** A problem found before evaluation starts, with the config key it is about. */
export interface EvalProblem {
  path: string;
  message: string;
}

/** Thrown by taskSources: the config key and what is wrong (collected into a ConfigError by the caller). */
export class EvalInputError extends Error {
  constructor(readonly problem: EvalProblem) {
    super(`${problem.path}: ${problem.message}`);
    this.name = 'EvalInputError';
  }
}

/** The record kinds a task reads, in the order the config's validation files are taken. */
export function taskKinds(task: EvalTask, config: RunConfig): readonly DataKind[] {
  switch (task) {
    case 'generation':
    case 'reward':
      return ['prompt', 'sft', 'preference'];
    case 'perplexity':
      return ['sft', 'conversation', 'text'];
    case 'retrieval':
      return ['pair'];
    case 'masked_lm':
      return ['text'];
    case 'preference':
      return ['preference'];
    case 'prm':
      return [prmMode(config) === 'latent' ? 'latent' : 'stepwise'];
    case 'critic':
      return ['teacher_student'];
    default: {
      const unknown: never = task;
      throw new Error(`unknown evaluation task ${String(unknown)}`);
    }
  }
}

/** The record kind of a row, from its fields; null when it fits none. */
export function kindOfRow(row: Record<string, unknown>): DataKind | null {
  const has = (key: string) => key in row;
  if (has('chosen') && has('rejected')) return 'preference';
  if (has('completion') && has('label')) return 'unpaired_preference';
  if (has('teacher_response')) return 'teacher_student';
  if (has('anchor') && has('positive')) return 'pair';
  if (has('completions') && has('labels')) return 'stepwise';
  if (has('tensor')) return 'latent';
  if (has('response') || has('instruction')) return 'sft';
  if (has('conversations')) return 'conversation';
  if (has('messages') && !has('prompt')) {
    const messages = row['messages'];
    const last = Array.isArray(messages) ? (messages[messages.length - 1] as { role?: unknown; from?: unknown } | undefined) : undefined;
    const role = last?.role ?? last?.from;
    return role === 'assistant' || role === 'gpt' ? 'conversation' : 'prompt';
  }
  if (has('prompt')) return 'prompt';
  return null;
}

/** The record kind of a file, from its first row; null when the row is not an object of a known kind. */
export async function recordKindOf(path: string): Promise<DataKind | null> {
  if (detectFileFormat(path) === 'txt') return 'text'; // a .txt file is raw text, one document per line
  for await (const row of readRows(path)) {
    if (row.error !== undefined || row.value === null || typeof row.value !== 'object' || Array.isArray(row.value)) return null;
    return kindOfRow(row.value as Record<string, unknown>);
  }
  return null;
}

const kindList = (kinds: readonly DataKind[]) => (kinds.length === 1 ? kinds[0] as string : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`);

/**
 * The files `task` reads: evaluation.eval_file when set (it must hold a kind the task takes),
 * else every data.datasets.<kind>.validation_files entry of the task's kinds. Throws
 * EvalInputError naming the config key when a file is missing or the task has no data.
 */
export async function taskSources(config: RunConfig, task: EvalTask): Promise<EvalSource[]> {
  const kinds = taskKinds(task, config);
  const evalFile = config.evaluation.eval_file;
  if (evalFile !== null) {
    const key = 'evaluation.eval_file';
    if (!existsSync(evalFile)) throw new EvalInputError({ path: key, message: `${evalFile} does not exist` });
    const kind = await recordKindOf(evalFile);
    if (kind === null) throw new EvalInputError({ path: key, message: `cannot tell the record kind of ${evalFile} from its first row (expected ${kindList(kinds)} records)` });
    if (!kinds.includes(kind)) {
      throw new EvalInputError({
        path: key,
        message: `${evalFile} holds ${kind} records, but the ${task} task reads ${kindList(kinds)} records; drop ${task} from evaluation.tasks or use a file of ${kindList(kinds)} records`,
      });
    }
    return [{ kind, path: evalFile, key }];
  }
  const sources: EvalSource[] = [];
  for (const kind of kinds) {
    (config.data.datasets[kind]?.validation_files ?? []).forEach((f, i) => {
      const key = `data.datasets.${kind}.validation_files[${i}].path`;
      if (!existsSync(f.path)) throw new EvalInputError({ path: key, message: `${f.path} does not exist (read by the ${task} task)` });
      sources.push({ kind, path: f.path, key });
    });
  }
  if (sources.length === 0) {
    throw new EvalInputError({
      path: 'evaluation.eval_file',
      message: `the ${task} task needs ${kindList(kinds)} records: set evaluation.eval_file or data.datasets.${kinds[0]}.validation_files`,
    });
  }
  return sources;
}

/** The config with its data reduced to `sources` as validation files, so the per-algorithm loaders (src/data/datasets) read exactly them. */
export function configReading(config: RunConfig, sources: readonly EvalSource[]): RunConfig {
  const datasets: RunConfig['data']['datasets'] = {};
  for (const s of sources) {
    const group = (datasets[s.kind] ??= { train_files: [], validation_files: [] });
    group.validation_files.push({ path: s.path, weight: 1, name: null });
  }
  return { ...config, data: { ...config.data, dataset_path: null, datasets } };
}

/** The first `max` items (all when max is null): evaluation.max_examples. */
export const firstN = <T>(items: T[], max: number | null): T[] => (max === null ? items : items.slice(0, max));

/** A prompt to complete, with the reference its completion is scored against (null when the record has none). */
export interface EvalPrompt {
  /** Prompt ids as generation sees them (message lists through the chat template with the generation prompt, plain text encoded; data.chat_template). */
  ids: number[];
  /** The prompt as text, for reports and for the reward model. */
  text: string;
  reference: string | null;
}

const lastContent = (messages: readonly ChatMessage[], role?: string): string =>
  [...messages].reverse().find((m) => role === undefined || m.role === role)?.content ?? '';
const asText = (value: string | readonly ChatMessage[], role?: string): string => (typeof value === 'string' ? value : lastContent(value, role));

/**
 * Prompts from prompt records (reference: their `reference`), sft records (the response) and
 * preference records (the chosen answer), at most evaluation.max_examples.
 */
export async function loadEvalPrompts(config: RunConfig, tokenizer: Tokenizer, sources: readonly EvalSource[], tools?: readonly unknown[]): Promise<EvalPrompt[]> {
  // As online RL's loadPrompts: the prompt's end kept within data.max_prompt_length (and an environment's tools in it).
  const opts = { maxPromptLength: config.data.max_prompt_length, chatTemplate: checkChatTemplateMode(config.data.chat_template, tokenizer), ...(tools === undefined ? {} : { tools }) };
  const onError = config.data.on_error;
  const out: EvalPrompt[] = [];
  const add = (prompt: string | ChatMessage[], reference: string | null): void => {
    const { inputIds } = tokenizePrompt(tokenizer, { kind: 'prompt', prompt }, opts);
    if (inputIds.length > 0) out.push({ ids: inputIds, text: asText(prompt, 'user'), reference });
  };
  for (const s of sources) {
    if (s.kind === 'prompt') {
      for (const r of (await loadDataset(s.path, { format: 'prompt', onError })).records) add(r.prompt, r.reference ?? null);
    } else if (s.kind === 'sft') {
      for (const r of (await loadDataset(s.path, { format: 'sft', onError })).records) {
        if (r.prompt === null) continue; // language-modelling rows (text, messages) have no prompt to complete
        // As tokenizeSft renders it: a system message, or as plain text the system text leading the prompt.
        const system = r.system;
        const prompt = system === undefined || typeof r.prompt !== 'string' ? r.prompt
          : usesChatTemplate(opts.chatTemplate, false) ? [{ role: 'system', content: system }, { role: 'user', content: r.prompt }] : `${system}\n${r.prompt}`;
        add(prompt, asText(r.response, 'assistant'));
      }
    } else if (s.kind === 'preference') {
      for (const r of (await loadDataset(s.path, { format: 'preference', onError })).records) add(r.prompt, asText(r.chosen, 'assistant'));
    } else {
      throw new Error(`loadEvalPrompts: ${s.path} holds ${s.kind} records, which have no prompts to complete`);
    }
  }
  return firstN(out, config.evaluation.max_examples);
}

/**
 * Prompt/response examples tokenized and masked exactly as SFT trains on them; raw-text documents
 * as pretraining sees them (every token after the first predicted, EOS at the end), cut to
 * data.max_length.
 */
export async function loadPerplexityExamples(config: RunConfig, tokenizer: Tokenizer, sources: readonly EvalSource[]): Promise<TokenizedExample[]> {
  const sft = sources.filter((s) => s.kind !== 'text');
  const out = sft.length > 0 ? await loadSftExamples(configReading(config, sft), tokenizer, 'validation') : [];
  const eos = tokenizer.eosTokenId;
  for (const text of await loadEvalTexts(config, sources)) {
    const ids = [...tokenizer.encode(text, { addSpecialTokens: false }), ...(eos === null ? [] : [eos])].slice(0, config.data.max_length);
    if (ids.length > 1) out.push({ inputIds: ids, labels: ids, completionMask: ids.map(() => 1), promptLength: 0, truncated: false });
  }
  return firstN(out, config.evaluation.max_examples);
}

/** The documents of the text sources (data.text_documents), at most evaluation.max_examples. */
export async function loadEvalTexts(config: RunConfig, sources: readonly EvalSource[]): Promise<string[]> {
  const files = sources.filter((s) => s.kind === 'text').map((s) => ({ path: s.path }));
  const out: string[] = [];
  if (files.length === 0) return out;
  for await (const d of streamDocuments(files, { textDocuments: config.data.text_documents, seed: config.training.seed, onError: config.data.on_error })) out.push(d.text);
  return firstN(out, config.evaluation.max_examples);
}

/** Anchor/positive pair records, at most evaluation.max_examples. */
export async function loadPairRecords(config: RunConfig, sources: readonly EvalSource[]): Promise<PairRecord[]> {
  const out: PairRecord[] = [];
  for (const s of sources) out.push(...(await loadDataset(s.path, { format: 'pair', onError: config.data.on_error })).records);
  return firstN(out, config.evaluation.max_examples);
}

/** Preference records, at most evaluation.max_examples. */
export async function loadPreferenceRecords(config: RunConfig, sources: readonly EvalSource[]): Promise<PreferenceRecord[]> {
  const out: PreferenceRecord[] = [];
  for (const s of sources) out.push(...(await loadDataset(s.path, { format: 'preference', onError: config.data.on_error })).records);
  return firstN(out, config.evaluation.max_examples);
}

/** Preference records tokenized as DPO tokenizes them (pairs with an empty side dropped, as loadRewardExamples does). */
export function tokenizePreferences(config: RunConfig, tokenizer: Tokenizer, records: readonly PreferenceRecord[]): PreferenceExample[] {
  return records
    .map((r) => tokenizePreference(tokenizer, r, tokenizeOptions(config, tokenizer)))
    .filter((e) => e.promptIds.length + e.chosenIds.length > 0 && e.promptIds.length + e.rejectedIds.length > 0);
}
