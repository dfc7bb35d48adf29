/**
 * Settings the schema accepts (so that configs written for the Python framework validate) but
 * this build cannot honour yet. Each is refused when a config asks for it, with the reason and
 * the way to run without it, instead of being silently ignored.
 */
import type { DatasetKind, RunConfig } from './schema/index.js';

/** A setting this build refuses: the config path and why. */
export interface UnsupportedSetting {
  path: string[];
  message: string;
}

/**
 * The settings of `config` that this build refuses (none for a config it can run).
 * @example unsupportedSettings(config).map((u) => u.message)
 */
export function unsupportedSettings(config: Pick<RunConfig, 'distributed'>): UnsupportedSetting[] {
  // distributed: strategy and backend matter only when several processes are launched, so
  // they are checked then (src/distributed/setup.ts), not in a config one process also runs.
  void config;
  return [];
}

/**
 * What this build refuses in the files a run reads for one dataset kind and split: merging
 * inside a run (data.merge_datasets; `rlhf data merge` does it once, ahead of the run, and the
 * message spells out that command) and per-file labels (`name`) that nothing prints yet.
 * @example unsupportedDataSettings(config, 'sft', 'train') // [] for a config this build can run
 */
export function unsupportedDataSettings(config: Pick<RunConfig, 'data' | 'training'>, kind: DatasetKind, split: 'train' | 'validation'): UnsupportedSetting[] {
  const out: UnsupportedSetting[] = [];
  const data = config.data;
  const group = data.datasets[kind];
  if (data.merge_datasets) {
    const { strategy, shuffle } = data.merge_config;
    const sources = [...(data.dataset_path === null ? [] : [`${data.dataset_path}:1`]), ...(group?.train_files ?? []).map((f) => `${f.path}:${f.weight}`)];
    const command = `rlhf data merge ${sources.join(' ') || 'FILE[:WEIGHT] ...'} --out ${data.merged_cache_path ?? 'merged'}/${kind}.jsonl --strategy ${strategy}${shuffle ? ' --shuffle' : ''} --seed ${config.training.seed}`;
    out.push({
      path: ['data', 'merge_datasets'],
      message:
        `data.merge_datasets is true (merge_config.strategy ${strategy}, shuffle ${shuffle}, merged_cache_path ${JSON.stringify(data.merged_cache_path)}), but merging inside a run is not implemented yet; ` +
        `merge the files once with \`${command}\`, then point data.dataset_path at the merged file and set data.merge_datasets: false`,
    });
  }
  const files = split === 'train' ? group?.train_files : group?.validation_files;
  (files ?? []).forEach((f, i) => {
    if (split === 'validation' && f.weight !== 1) {
      out.push({
        path: ['data', 'datasets', kind, 'validation_files', String(i), 'weight'],
        message: `data.datasets.${kind}.validation_files[${i}].weight is ${f.weight}, but weights apply only to training files merged with weighted_sampling; every validation record counts once, so remove it`,
      });
    }
    if (f.name !== null) {
      const path = ['data', 'datasets', kind, `${split}_files`, String(i), 'name'];
      out.push({
        path,
        message: `data.datasets.${kind}.${split}_files[${i}].name (${JSON.stringify(f.name)}) would label ${f.path} in logs and skip reports, which this build does not write yet; remove it (the file is named by its path)`,
      });
    }
  });
  return out;
}
