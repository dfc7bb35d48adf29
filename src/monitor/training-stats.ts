/** `training_stats.json`: the run's summary (runtime, samples/s, final loss, ...), written at the end. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TRAINING_STATS_FILE = 'training_stats.json';

/** Summary numbers and strings; keys are the caller's (e.g. `train_runtime`, `train_samples_per_second`). */
export type TrainingStats = Record<string, number | string | boolean | null | number[] | Record<string, number>>;

/** Writes `<dir>/training_stats.json` atomically (temp file, then rename); returns its path. */
export function writeTrainingStats(dir: string, stats: TrainingStats): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, TRAINING_STATS_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(stats, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
