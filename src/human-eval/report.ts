/**
 * The text form of a `HumanEvalReport`, as `rlhf human-eval analyze` prints it.
 *
 * ```text
 * 6 of 6 items judged: 9 judgments by 2 annotators
 *
 * model  wins  win rate  95% CI          score  95% CI
 * dpo       4     66.7%  [30.0%, 90.3%]  61.1%  [35.7%, 82.7%]
 * ...
 * ```
 */
import type { HumanEvalReport, RateWithInterval } from './analyze.js';

export function formatReport(report: HumanEvalReport): string {
  const out: string[] = [];
  const judged = `${report.itemsJudged} of ${report.items} items judged: ${report.judgments} judgment${report.judgments === 1 ? '' : 's'} by ${report.annotators.length} annotator${report.annotators.length === 1 ? '' : 's'}`;
  out.push(judged);
  if (report.judgments === 0) return [...out, 'no judgments yet; collect some with `rlhf human-eval serve`'].join('\n');

  out.push('');
  out.push(
    table([
      ['model', 'wins', 'win rate', '95% CI', 'score', '95% CI'],
      ...report.results.map((r) => [r.model, String(r.wins), ...rateCells(r.winRate), ...rateCells(r.score)]),
    ]),
  );
  out.push(
    `decisive ${report.decisive} of ${report.judgments}; ties ${report.ties} (${percent(report.tieRate)}); both bad ${report.bothBad} (${percent(report.bothBadRate)})`,
  );
  out.push('win rate = wins / decisive judgments (ties and both-bad left out); score = (wins + ½·(ties + both bad)) / all judgments; 95% Wilson intervals');

  out.push('');
  out.push(
    table([
      ['annotator', 'judgments', ...report.models.map((m) => `${m} wins`), 'ties', 'both bad'],
      ...report.annotators.map((a) => [a.annotator, String(a.judgments), ...report.models.map((m) => String(a.wins[m] ?? 0)), String(a.ties), String(a.bothBad)]),
    ]),
  );

  out.push('');
  const agreement = report.agreement;
  if (agreement === null) {
    out.push('agreement: no item judged by two or more annotators yet');
  } else {
    const kappaName = agreement.method === 'cohen' ? "Cohen's kappa" : "Fleiss' kappa";
    out.push(
      `agreement on ${agreement.items} item${agreement.items === 1 ? '' : 's'} judged by 2+ annotators (${agreement.annotators.join(', ')}): ` +
        `${percent(agreement.rawAgreement)} raw, ${kappaName} ${kappa(agreement.kappa)}`,
    );
    if (agreement.pairs.length > 1) {
      for (const p of agreement.pairs) {
        out.push(`  ${p.annotators[0]} vs ${p.annotators[1]}: ${p.items} items, ${percent(p.agreement)} agree, Cohen's kappa ${kappa(p.kappa)}`);
      }
    }
  }
  if (report.superseded > 0) out.push(`${report.superseded} earlier judgment(s) replaced by the same annotator's later one`);
  if (report.skipped.length > 0) {
    out.push(`skipped ${report.skipped.length} line(s) of judgments.jsonl: ${report.skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ')}`);
  }
  return out.join('\n');
}

function rateCells(r: RateWithInterval | null): [string, string] {
  return r === null ? ['-', '-'] : [percent(r.rate), `[${percent(r.lower)}, ${percent(r.upper)}]`];
}

function percent(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(1)}%`;
}

function kappa(x: number | null): string {
  return x === null ? 'undefined (every judgment the same)' : x.toFixed(3);
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
function table(rows: readonly string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd()).join('\n');
}
