/**
 * A blind pairwise human-evaluation task on disk: one folder holding what annotators see, the
 * answer key they must not see, and the judgments they make.
 *
 * ```text
 * task/
 *   task.json        metadata: models, sources, seed, unmatched prompts
 *   items.jsonl      {"id","prompt","response_a","response_b"} per line — no model names
 *   key.json         which model wrote response_a and response_b of each item
 *   judgments.jsonl  appended by `rlhf human-eval serve`, one judgment per line
 * ```
 *
 * ```ts
 * const task = readTask('runs/heval');      // { dir, meta, items }
 * const key = readKey('runs/heval');        // key.items['item-0001'] -> { a: 'dpo', b: 'sft' }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../tokenizers/index.js';

/** A prompt as the generations file gave it: plain text, or chat messages (`rlhf generate --chat`). */
export type Prompt = string | ChatMessage[];

/** One line of items.jsonl: what an annotator is shown. */
export interface TaskItem {
  /** Stable id (`item-0001`), referenced by judgments and the key. */
  id: string;
  prompt: Prompt;
  response_a: string;
  response_b: string;
}

/** Which model wrote each side of one item. */
export interface SideModels {
  a: string;
  b: string;
}

/** key.json: the A/B-to-model mapping, kept apart from the items. */
export interface TaskKey {
  /** The two models, in the order they were given to `create`. */
  models: [string, string];
  items: Record<string, SideModels>;
}

/** task.json: how the task was made. */
export interface TaskMeta {
  format: typeof TASK_FORMAT;
  createdAt: string;
  /** Seed of the per-item A/B shuffle. */
  seed: number;
  models: [string, string];
  /** Generations file of each model, by model name. */
  sources: Record<string, string>;
  items: number;
  /** Prompts present for one model only, by model name; they are not in the task. */
  unmatched: Record<string, Prompt[]>;
}

export const TASK_FORMAT = 'rlhf-human-eval/1';

/** The files of a task folder. */
export function taskPaths(dir: string): { meta: string; items: string; key: string; judgments: string } {
  return {
    meta: join(dir, 'task.json'),
    items: join(dir, 'items.jsonl'),
    key: join(dir, 'key.json'),
    judgments: join(dir, 'judgments.jsonl'),
  };
}

/** A task as the server and the analysis read it. */
export interface Task {
  dir: string;
  meta: TaskMeta;
  items: TaskItem[];
}

/** Reads task.json and items.jsonl; throws one line naming the file when either is missing or broken. */
export function readTask(dir: string): Task {
  const paths = taskPaths(dir);
  const meta = readJsonFile(paths.meta) as TaskMeta;
  if (meta.format !== TASK_FORMAT) throw new Error(`${paths.meta}: format '${String(meta.format)}' is not ${TASK_FORMAT}`);
  const items = readFileSync(paths.items, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.trim() === '' ? [] : [parseItem(line, `${paths.items}:${i + 1}`)]));
  if (items.length !== meta.items) throw new Error(`${paths.items}: ${items.length} items, but task.json says ${meta.items}`);
  return { dir, meta, items };
}

/** Reads key.json, checking that it names a side for every item id given. */
export function readKey(dir: string, itemIds: readonly string[] = []): TaskKey {
  const path = taskPaths(dir).key;
  const key = readJsonFile(path) as TaskKey;
  const missing = itemIds.filter((id) => key.items?.[id] === undefined);
  if (missing.length > 0) throw new Error(`${path}: no mapping for ${missing.length} item(s), first '${missing[0]}'`);
  return key;
}

function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new Error(`${path}: not found; is this a task folder made by \`rlhf human-eval create\`?`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function parseItem(line: string, where: string): TaskItem {
  let item: Partial<TaskItem>;
  try {
    item = JSON.parse(line) as Partial<TaskItem>;
  } catch (err) {
    throw new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof item.id !== 'string' || typeof item.response_a !== 'string' || typeof item.response_b !== 'string' || item.prompt === undefined) {
    throw new Error(`${where}: an item needs string id, response_a, response_b and a prompt`);
  }
  return item as TaskItem;
}

/** A prompt as one line of text, for reports: chat prompts show their last user turn. */
export function promptPreview(prompt: Prompt, width = 60): string {
  const text = typeof prompt === 'string' ? prompt : (prompt.filter((m) => m.role === 'user').at(-1)?.content ?? JSON.stringify(prompt));
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
