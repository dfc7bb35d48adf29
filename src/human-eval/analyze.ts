/**
 * `analyze`: judgments mapped back to models through key.json, then win rates with Wilson 95%
 * intervals, tie and both-bad rates, per-annotator counts and inter-annotator agreement.
 *
 * How ties count, since there is no single right way:
 * - win rate: wins / decisive judgments (ties and both-bad left out), reported beside the tie
 *   and both-bad rates over all judgments;
 * - score: (wins + ½·(ties + both bad)) / all judgments — a tie or a double failure is half a
 *   win for each side, as in Chatbot-Arena-style tables.
 * Every judgment counts once; several annotators on one item are pooled (the intervals treat
 * them as independent, which they are only roughly).
 *
 * ```ts
 * const report = analyzeTask('runs/heval');
 * report.results[0];  // { model: 'dpo', wins: 12, winRate: { rate: 0.6, lower: 0.39, upper: 0.78 }, score: ... }
 * ```
 */
import { readJudgments, type Judgment, type SkippedLine } from './judgments.js';
import { cohensKappa, fleissKappa, pairwiseAgreement, wilsonInterval } from './stats.js';
import { readKey, readTask, taskPaths, type TaskKey } from './task.js';

/** A judgment in model terms: the winning model's name, or a tie, or both bad. */
export type Verdict = string;
const TIE = 'tie';
const BOTH_BAD = 'both_bad';

export interface RateWithInterval {
  rate: number;
  /** 95% Wilson interval. */
  lower: number;
  upper: number;
}

export interface ModelResult {
  model: string;
  wins: number;
  /** wins / decisive judgments; null when none was decisive. */
  winRate: RateWithInterval | null;
  /** (wins + ½·(ties + both bad)) / all judgments; null when there are none. */
  score: RateWithInterval | null;
}

export interface AnnotatorCounts {
  annotator: string;
  judgments: number;
  /** Wins by model name. */
  wins: Record<string, number>;
  ties: number;
  bothBad: number;
}

export interface PairAgreement {
  annotators: [string, string];
  /** Items both judged. */
  items: number;
  /** Share of those items with the same verdict. */
  agreement: number;
  /** Cohen's kappa; null when undefined (both always gave one and the same verdict). */
  kappa: number | null;
}

export interface AgreementReport {
  /** Items judged by two or more annotators; agreement is measured on these only. */
  items: number;
  annotators: string[];
  /** Share of agreeing annotator pairs per item, averaged over the items (for two annotators: the share of items they agree on). */
  rawAgreement: number;
  /** Cohen's kappa when exactly two annotators share items, Fleiss' kappa when more do. */
  method: 'cohen' | 'fleiss';
  kappa: number | null;
  /** Every pair of annotators with shared items. */
  pairs: PairAgreement[];
}

export interface HumanEvalReport {
  models: [string, string];
  /** Items in the task. */
  items: number;
  itemsJudged: number;
  judgments: number;
  decisive: number;
  ties: number;
  bothBad: number;
  /** Over all judgments; null when there are none. */
  tieRate: number | null;
  bothBadRate: number | null;
  results: ModelResult[];
  annotators: AnnotatorCounts[];
  /** Null until some item has been judged by two annotators. */
  agreement: AgreementReport | null;
  /** Earlier judgments of the same item by the same annotator, superseded by the later one. */
  superseded: number;
  /** Lines of judgments.jsonl that were not used, with why. */
  skipped: SkippedLine[];
}

/** Reads a task folder's key and judgments and analyzes them. */
export function analyzeTask(dir: string): HumanEvalReport {
  const task = readTask(dir);
  const ids = task.items.map((item) => item.id);
  const key = readKey(dir, ids);
  const { judgments, lines, skipped } = readJudgments(taskPaths(dir).judgments);
  const report = analyzeJudgments(judgments, key, ids, lines);
  return { ...report, skipped: [...skipped, ...report.skipped] };
}

/**
 * The analysis itself, from judgments in file order. `itemIds` are the task's items; a judgment
 * of another id is skipped and reported with its line in `lines` (default: its 1-based index).
 */
export function analyzeJudgments(
  judgments: readonly Judgment[],
  key: TaskKey,
  itemIds: readonly string[],
  lines: readonly number[] = judgments.map((_, i) => i + 1),
): HumanEvalReport {
  const models = key.models;
  const known = new Set(itemIds);
  const skipped: SkippedLine[] = [];
  // The last judgment per (annotator, item) wins: a corrected answer replaces the first one.
  const latest = new Map<string, { annotator: string; item: string; verdict: Verdict }>();
  let superseded = 0;
  judgments.forEach((j, i) => {
    const sides = key.items[j.item];
    if (!known.has(j.item) || sides === undefined) {
      skipped.push({ line: lines[i] ?? i + 1, reason: `item '${j.item}' is not in the task` });
      return;
    }
    const id = JSON.stringify([j.annotator, j.item]);
    if (latest.has(id)) superseded++;
    latest.set(id, { annotator: j.annotator, item: j.item, verdict: j.choice === 'a' ? sides.a : j.choice === 'b' ? sides.b : j.choice });
  });
  const all = [...latest.values()];
  const count = (verdict: Verdict) => all.filter((v) => v.verdict === verdict).length;
  const ties = count(TIE);
  const bothBad = count(BOTH_BAD);
  const decisive = all.length - ties - bothBad;

  const results = models.map((model): ModelResult => {
    const wins = count(model);
    return {
      model,
      wins,
      winRate: decisive > 0 ? rateWithInterval(wins, decisive) : null,
      score: all.length > 0 ? rateWithInterval(wins + (ties + bothBad) / 2, all.length) : null,
    };
  });

  const annotatorNames = [...new Set(all.map((v) => v.annotator))].sort();
  const annotators = annotatorNames.map((annotator): AnnotatorCounts => {
    const own = all.filter((v) => v.annotator === annotator);
    return {
      annotator,
      judgments: own.length,
      wins: Object.fromEntries(models.map((m) => [m, own.filter((v) => v.verdict === m).length])),
      ties: own.filter((v) => v.verdict === TIE).length,
      bothBad: own.filter((v) => v.verdict === BOTH_BAD).length,
    };
  });

  const byItem = new Map<string, Map<string, Verdict>>();
  for (const v of all) byItem.set(v.item, (byItem.get(v.item) ?? new Map()).set(v.annotator, v.verdict));
  return {
    models,
    items: itemIds.length,
    itemsJudged: byItem.size,
    judgments: all.length,
    decisive,
    ties,
    bothBad,
    tieRate: all.length > 0 ? ties / all.length : null,
    bothBadRate: all.length > 0 ? bothBad / all.length : null,
    results,
    annotators,
    agreement: agreementOf(itemIds.map((id) => byItem.get(id)).filter((m): m is Map<string, Verdict> => m !== undefined && m.size >= 2), [...models, TIE, BOTH_BAD]),
    superseded,
    skipped,
  };
}

/** Agreement over items judged by two or more annotators (each a map annotator -> verdict). */
function agreementOf(shared: readonly Map<string, Verdict>[], categories: readonly Verdict[]): AgreementReport | null {
  if (shared.length === 0) return null;
  const names = [...new Set(shared.flatMap((m) => [...m.keys()]))].sort();
  const counts = shared.map((m) => categories.map((c) => [...m.values()].filter((v) => v === c).length));
  const pairs: PairAgreement[] = [];
  names.forEach((first, i) =>
    names.slice(i + 1).forEach((second) => {
      const both = shared.filter((m) => m.has(first) && m.has(second));
      if (both.length === 0) return;
      const a = both.map((m) => m.get(first) as Verdict);
      const b = both.map((m) => m.get(second) as Verdict);
      pairs.push({
        annotators: [first, second],
        items: both.length,
        agreement: a.filter((v, k) => v === b[k]).length / both.length,
        kappa: finiteOrNull(cohensKappa(a, b)),
      });
    }),
  );
  const method = names.length === 2 ? 'cohen' : 'fleiss';
  return {
    items: shared.length,
    annotators: names,
    rawAgreement: pairwiseAgreement(counts),
    method,
    kappa: method === 'cohen' ? (pairs[0]?.kappa ?? null) : finiteOrNull(fleissKappa(counts)),
    pairs,
  };
}

function rateWithInterval(successes: number, n: number): RateWithInterval {
  return { rate: successes / n, ...wilsonInterval(successes, n) };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
