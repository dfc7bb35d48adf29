/**
 * `model.name_or_path`, `model.tokenizer_name_or_path` and `gkd.teacher_model_name_or_path` made into directories: a local
 * directory as given, or a hub id found in the Hugging Face cache (`model.cache_dir`).
 *
 * ```ts
 * const run = resolveModelPaths(config); // run.model.name_or_path is now an absolute directory
 * ```
 */
import { locatePretrained } from '../io/hub-cache.js';
import type { RunConfig } from './schema/index.js';

/** The config with the model, tokenizer and a gkd run's teacher located on disk (a null tokenizer_name_or_path stays null: the model's). */
export function resolveModelPaths(config: RunConfig, env?: Readonly<Record<string, string | undefined>>): RunConfig {
  const m = config.model;
  const where = (key: string) => ({ cacheDir: m.cache_dir, key, ...(env === undefined ? {} : { env }) });
  const name_or_path = locatePretrained(m.name_or_path, where('model.name_or_path'));
  const tokenizer_name_or_path = m.tokenizer_name_or_path === null ? null : locatePretrained(m.tokenizer_name_or_path, where('model.tokenizer_name_or_path'));
  const teacher = config.gkd.teacher_model_name_or_path;
  const gkd = teacher === null || config.training.algorithm !== 'gkd' ? config.gkd : { ...config.gkd, teacher_model_name_or_path: locatePretrained(teacher, where('gkd.teacher_model_name_or_path')) };
  return { ...config, model: { ...m, name_or_path, tokenizer_name_or_path }, gkd };
}

/** The tokenizer directory of a (resolved) config: model.tokenizer_name_or_path, else the model's. */
export const tokenizerDirOf = (config: RunConfig): string => config.model.tokenizer_name_or_path ?? config.model.name_or_path;
