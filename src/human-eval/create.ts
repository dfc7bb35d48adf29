/**
 * `create`: a blind pairwise task from two models' generations on the same prompts. Prompts are
 * matched exactly; which model's reply is shown as A is drawn per item from a seeded generator,
 * and the mapping goes to key.json, away from what annotators see.
 *
 * ```ts
 * const { meta } = await createTask({ files: ['sft.jsonl', 'dpo.jsonl'], out: 'runs/heval', seed: 1 });
 * meta.models;  // ['sft', 'dpo'] — from the file names
 * ```
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { seededRandom } from '../data/tools/random.js';
import { readGenerations, type Generation } from './generations.js';
import { TASK_FORMAT, taskPaths, type Prompt, type SideModels, type TaskItem, type TaskKey, type TaskMeta } from './task.js';

export interface CreateTaskOptions {
  /** Generations of the two models (JSONL, JSON or Parquet), in the order of `names`. */
  files: [string, string];
  /** The task folder; it must not hold a task already. */
  out: string;
  /** Model names; each defaults to its file's name without the extension. */
  names?: [string | undefined, string | undefined];
  /** Seed of the per-item A/B order. Default 42. */
  seed?: number;
}

/** Options of the pure pairing step. */
export interface PairOptions {
  models: [string, string];
  seed: number;
}

/** Items, key and unmatched prompts, before anything is written. */
export interface PairedTask {
  items: TaskItem[];
  key: TaskKey;
  /** Prompts of one model with no counterpart in the other's file, by model name. */
  unmatched: Record<string, Prompt[]>;
}

/**
 * Pairs the two models' replies by prompt, in the first file's order. A prompt that occurs k
 * times in both files (several samples per prompt) gives k items, paired in file order. For each
 * item one draw decides whether the first model is shown as A, so the same seed gives the same
 * task.
 */
export function pairGenerations(first: readonly Generation[], second: readonly Generation[], options: PairOptions): PairedTask {
  const [firstModel, secondModel] = options.models;
  if (firstModel === secondModel) throw new Error(`the two models need different names, both are '${firstModel}'`);
  const pending = new Map<string, Generation[]>();
  for (const g of second) {
    const k = promptKey(g.prompt);
    pending.set(k, [...(pending.get(k) ?? []), g]);
  }
  const random = seededRandom(options.seed);
  const width = Math.max(4, String(first.length).length);
  const items: TaskItem[] = [];
  const sides: Record<string, SideModels> = {};
  const onlyFirst: Prompt[] = [];
  for (const g of first) {
    const match = pending.get(promptKey(g.prompt))?.shift();
    if (match === undefined) {
      onlyFirst.push(g.prompt);
      continue;
    }
    const id = `item-${String(items.length + 1).padStart(width, '0')}`;
    const firstIsA = random() < 0.5;
    items.push({
      id,
      prompt: g.prompt,
      response_a: firstIsA ? g.response : match.response,
      response_b: firstIsA ? match.response : g.response,
    });
    sides[id] = firstIsA ? { a: firstModel, b: secondModel } : { a: secondModel, b: firstModel };
  }
  const onlySecond = second.filter((g) => pending.get(promptKey(g.prompt))?.includes(g)).map((g) => g.prompt);
  return {
    items,
    key: { models: [firstModel, secondModel], items: sides },
    unmatched: { [firstModel]: onlyFirst, [secondModel]: onlySecond },
  };
}

/** Reads both files, pairs them and writes items.jsonl, key.json and task.json (last, so a half-made task is never read as whole). */
export async function createTask(options: CreateTaskOptions): Promise<{ meta: TaskMeta; paths: ReturnType<typeof taskPaths> }> {
  const paths = taskPaths(options.out);
  if (existsSync(paths.meta)) throw new Error(`${options.out} already holds a task (task.json); choose another --out or remove it`);
  const [fileA, fileB] = options.files;
  const models: [string, string] = [options.names?.[0] ?? modelNameOf(fileA), options.names?.[1] ?? modelNameOf(fileB)];
  if (models[0] === models[1]) {
    throw new Error(`both models would be named '${models[0]}'; name them with --model-a-name and --model-b-name`);
  }
  const seed = options.seed ?? 42;
  const [first, second] = await Promise.all([readGenerations(fileA), readGenerations(fileB)]);
  const paired = pairGenerations(first, second, { models, seed });
  if (paired.items.length === 0) throw new Error(`${fileA} and ${fileB} share no prompt; are they generations on the same prompt set?`);
  const meta: TaskMeta = {
    format: TASK_FORMAT,
    createdAt: new Date().toISOString(),
    seed,
    models,
    sources: { [models[0]]: resolve(fileA), [models[1]]: resolve(fileB) },
    items: paired.items.length,
    unmatched: paired.unmatched,
  };
  mkdirSync(options.out, { recursive: true });
  writeFileSync(paths.items, paired.items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  writeFileSync(paths.key, JSON.stringify(paired.key, null, 2) + '\n');
  writeFileSync(paths.meta, JSON.stringify(meta, null, 2) + '\n');
  return { meta, paths };
}

/** `outputs/dpo-v2.jsonl` -> `dpo-v2`. */
export function modelNameOf(file: string): string {
  return basename(file, extname(file));
}

/** Exact match: the same text, or the same messages in the same order. */
function promptKey(prompt: Prompt): string {
  return JSON.stringify(prompt);
}
