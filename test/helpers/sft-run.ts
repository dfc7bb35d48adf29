/**
 * The small SFT task the trainer tests share: "Count to N." -> "one two ...", 16 training and 4
 * validation rows on the tiny Qwen2 fixture, and what a run logged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunConfig } from '../../src/config/index.js';
import { readMetrics } from '../../src/monitor/index.js';

export const TINY_QWEN2 = 'test/fixtures/models/tiny-qwen2';

let dataDir: string | undefined;

/** The counting task's train.jsonl / val.jsonl, written once per process. */
function countingData(): string {
  if (dataDir !== undefined) return dataDir;
  const dir = mkdtempSync(join(tmpdir(), 'sft-data-'));
  const rows = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Count to ${i % 4}.`, response: `${'one two three four'.split(' ').slice(0, (i % 4) + 1).join(' ')}.` }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'val.jsonl'), `${rows.slice(0, 4).join('\n')}\n`);
  dataDir = dir;
  return dir;
}

/** An SFT run config on the counting task in a fresh output dir; `training` overrides the loop's settings. */
export function countingSftConfig(training: Record<string, unknown>): RunConfig {
  const data = countingData();
  return RunConfig.parse({
    model: { name_or_path: TINY_QWEN2 },
    training: { algorithm: 'sft', output_dir: mkdtempSync(join(tmpdir(), 'sft-out-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 1, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { sft: { train_files: [{ path: join(data, 'train.jsonl') }], validation_files: [{ path: join(data, 'val.jsonl') }] } } },
  });
}

/** The metrics.jsonl rows of logged training steps (those with a loss). */
export const loggedSteps = (out: string) => readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
/** The logged training losses, in step order. */
export const loggedLosses = (out: string) => loggedSteps(out).map((r) => r['loss'] as number);
