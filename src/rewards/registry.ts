/**
 * Turns a run's `rewards.functions` entries into named reward functions — built-ins by name, or
 * a user module's export — and scores completions with their weighted sum, failing with the
 * function's name and the sample when one throws or returns a non-number.
 *
 * ```yaml
 * rewards:
 *   functions:
 *     - {name: exact_match, weight: 1.0}
 *     - {name: format, pattern: '^\d+$', weight: 0.1}
 *     - {module: rewards/my-reward.mjs, export: score, weight: 0.5}
 * ```
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_REWARDS, type BuiltinOptions } from './builtins.js';
import type { NamedReward, RewardFunction, RewardInput } from './types.js';

export interface RewardFunctionEntry extends BuiltinOptions {
  /** A built-in's name (exact_match, numeric_match, format, length_penalty). */
  name?: string | null;
  /** Path of an ES module (relative to the working directory) exporting the function. */
  module?: string | null;
  /** The module's export to call. Default 'default'. */
  export?: string;
  weight: number;
}

/** Resolves every entry; unknown names and missing exports fail naming what exists. */
export async function loadRewardFunctions(entries: readonly RewardFunctionEntry[]): Promise<NamedReward[]> {
  const out: NamedReward[] = [];
  for (const [i, e] of entries.entries()) {
    if ((e.name ?? null) !== null === ((e.module ?? null) !== null)) {
      throw new Error(`rewards.functions[${i}]: give exactly one of name (a built-in) or module (a file)`);
    }
    if (e.name) {
      const make = BUILTIN_REWARDS[e.name];
      if (make === undefined) throw new Error(`rewards.functions[${i}].name: unknown reward '${e.name}'; built-ins: ${Object.keys(BUILTIN_REWARDS).join(', ')}`);
      out.push({ name: e.name, weight: e.weight, fn: make(e) });
    } else {
      const path = resolve(e.module as string);
      const exported = e.export ?? 'default';
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const fn = mod[exported];
      if (typeof fn !== 'function') {
        throw new Error(`rewards.functions[${i}]: ${path} has no function export '${exported}' (exports: ${Object.keys(mod).join(', ') || 'none'})`);
      }
      out.push({ name: `${e.module}#${exported}`, weight: e.weight, fn: fn as RewardFunction });
    }
  }
  return out;
}

export interface ScoredBatch {
  /** Weighted sum per completion (before a reward model's score is added). */
  total: number[];
  /** Each function's raw value per completion, by name. */
  perFunction: Record<string, number[]>;
}

/** Scores every completion with every function; a throw or a non-finite value names both. */
export async function scoreWithFunctions(rewards: readonly NamedReward[], inputs: readonly RewardInput[]): Promise<ScoredBatch> {
  const total = inputs.map(() => 0);
  const perFunction: Record<string, number[]> = {};
  for (const r of rewards) {
    const values: number[] = [];
    for (const [i, input] of inputs.entries()) {
      let v: unknown;
      try {
        v = await r.fn(input);
      } catch (err) {
        throw new Error(`reward function ${r.name} failed on sample ${i} (prompt ${JSON.stringify(input.prompt.slice(0, 80))}, completion ${JSON.stringify(input.completion.slice(0, 80))}): ${(err as Error).message}`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`reward function ${r.name} returned ${JSON.stringify(v) ?? String(v)} (not a finite number) on sample ${i} (prompt ${JSON.stringify(input.prompt.slice(0, 80))}, completion ${JSON.stringify(input.completion.slice(0, 80))})`);
      }
      values.push(v);
      total[i] = (total[i] as number) + r.weight * v;
    }
    perFunction[r.name] = values;
  }
  return { total, perFunction };
}
