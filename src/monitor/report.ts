/**
 * The run report: one self-contained HTML file (inline CSS and SVG, no scripts or network) with
 * the run's status and progress, the health diagnosis, a table of final and best values, and
 * every chart.
 *
 * ```ts
 * const run = readRun(dir);
 * writeFileSync('report.html', renderReport({ run, findings: diagnose(run.rows), charts: runCharts(run.rows), summaries: summarizeMetrics(run.rows) }));
 * ```
 */
import { escapeXml } from './charts/line-chart.js';
import type { RunChart } from './charts/run-charts.js';
import { DIAGNOSIS_RULES, resolveDiagnosisOptions, type DiagnosisOptions, type Finding } from './diagnosis.js';
import type { RunSnapshot } from './run-reader.js';
import { runStatusLine } from './run-status-line.js';
import { formatMetric, type MetricSummary } from './summary.js';

export interface ReportInput {
  run: RunSnapshot;
  findings: readonly Finding[];
  charts: readonly RunChart[];
  summaries: readonly MetricSummary[];
  /** Thresholds the diagnosis used, listed under the findings. */
  diagnosisOptions?: DiagnosisOptions;
  /** Make the browser reload the page every N seconds (for --watch). Default: no reload. */
  refreshSeconds?: number;
  /** Time stamp shown in the header. Default now. */
  generatedAt?: Date;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1340px; color: #222; padding: 0 16px; }
h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin-top: 28px; }
.meta { color: #666; font-size: 13px; } .status { font-family: ui-monospace, monospace; font-size: 13px; background: #f4f4f4; padding: 6px 10px; border-radius: 4px; }
.finding { border-left: 4px solid; padding: 6px 12px; margin: 8px 0; background: #fafafa; }
.finding.error { border-color: #c62828; } .finding.warning { border-color: #ef8f00; } .finding.info { border-color: #1565c0; }
.finding .sev { font-weight: 600; text-transform: uppercase; font-size: 11px; margin-right: 6px; } .finding .advice { color: #444; font-size: 13px; margin-top: 2px; }
.healthy { border-left: 4px solid #2e7d32; padding: 6px 12px; background: #f3faf3; }
table { border-collapse: collapse; font-size: 13px; } th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: right; } th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .chart { border: 1px solid #e5e5e5; border-radius: 4px; }
details { font-size: 13px; color: #555; margin-top: 8px; }
`;

const valueAt = (v: { step: number; value: number } | undefined): string => (v === undefined ? '' : `${escapeXml(formatMetric(v.value))} <span class="meta">@${v.step}</span>`);

function findingsHtml(findings: readonly Finding[], options: DiagnosisOptions | undefined): string {
  const items = findings.length === 0
    ? '<div class="healthy">Healthy: no diagnosis rule fired.</div>'
    : findings
      .map((f) => `<div class="finding ${f.severity}"><span class="sev">${f.severity}</span><code>${f.id}</code> (step ${f.step}): ${escapeXml(f.message)}<div class="advice">Advice: ${escapeXml(f.advice)}</div></div>`)
      .join('\n');
  const o = resolveDiagnosisOptions(options);
  const rules = DIAGNOSIS_RULES.map((r) => `<li><code>${r.id}</code> (${r.severity}): ${escapeXml(r.condition(o))}</li>`).join('');
  return `${items}\n<details><summary>Rules checked</summary><ul>${rules}</ul></details>`;
}

function summaryTable(summaries: readonly MetricSummary[]): string {
  if (summaries.length === 0) return '<p class="meta">No metrics logged yet.</p>';
  const rows = summaries.map((s) => `<tr><td>${escapeXml(s.key)}</td><td>${s.count}</td><td>${valueAt(s.final)}</td><td>${valueAt(s.best)}</td><td>${escapeXml(formatMetric(s.min))}</td><td>${escapeXml(formatMetric(s.max))}</td></tr>`);
  return `<table><thead><tr><th>metric</th><th>logs</th><th>final</th><th>best</th><th>min</th><th>max</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The report as an HTML string. */
export function renderReport(input: ReportInput): string {
  const { run } = input;
  const title = `rlhf monitor: ${run.dir}`;
  const refresh = input.refreshSeconds !== undefined ? `<meta http-equiv="refresh" content="${Math.max(1, Math.round(input.refreshSeconds))}">` : '';
  const charts = input.charts.map((c) => `<div class="chart" id="chart-${c.id}">${c.svg}</div>`).join('\n');
  const warnings = run.badLines.length > 0 ? `<p class="meta">Skipped metrics.jsonl lines that are not JSON: ${run.badLines.join(', ')}.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
${refresh}
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<div class="meta">${escapeXml(run.algorithm ?? 'algorithm unknown')} · generated ${escapeXml((input.generatedAt ?? new Date()).toISOString())}${run.totalStepsSource !== undefined ? ` · total steps from ${escapeXml(run.totalStepsSource)}` : ''}</div>
<p class="status">${escapeXml(runStatusLine(run))}</p>
${warnings}
<h2>Diagnosis</h2>
${findingsHtml(input.findings, input.diagnosisOptions)}
<h2>Metrics</h2>
${summaryTable(input.summaries)}
<h2>Charts</h2>
<div class="charts">
${charts}
</div>
</body>
</html>
`;
}
