/**
 * `rlhf monitor OUTPUT_DIR`: charts, an HTML report, progress/ETA and a health diagnosis of a
 * training run's metrics.jsonl, finished or still being written (`--watch` follows it).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { runCharts } from '../monitor/charts/index.js';
import { diagnose, type DiagnosisOptions } from '../monitor/diagnosis.js';
import { METRICS_FILE } from '../monitor/metrics-logger.js';
import { renderReport } from '../monitor/report.js';
import { readRun, runLogDir, type RunSnapshot } from '../monitor/run-reader.js';
import { runStatusLine } from '../monitor/run-status-line.js';
import { formatMetric, summarizeMetrics } from '../monitor/summary.js';
import { TRAINING_LOG_FILE } from '../monitor/text-logger.js';

export const MONITOR_USAGE = `rlhf monitor OUTPUT_DIR [--out DIR] [--total-steps N] [--kl-target X] [--watch] [--interval SECONDS] [--json]
  Reads OUTPUT_DIR/metrics.jsonl (or the run's logging.log_dir; also while the run writes it), writes one SVG chart per metric group and
  report.html to --out (default OUTPUT_DIR/monitor), and prints progress, ETA and a health diagnosis.
  --total-steps N   the run's total steps, when training.log and resolved_config.yaml do not tell
  --kl-target X     KL above X is flagged (default 6, TRL's adaptive-KL target)
  --watch           re-render every --interval seconds (default 30) until the run finishes or fails
                    (waits for OUTPUT_DIR to appear)
  --json            print the status, diagnosis and final values as JSON instead of text`;

/** report.html and the SVGs land in this folder of the run unless --out says otherwise. */
export const MONITOR_DIR = 'monitor';
export const REPORT_FILE = 'report.html';

const positive = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`--${flag} expects a positive number, got '${v}'`);
  return n;
};

/** Writes `text` to `path` through a temporary file, so a browser never reads half a report. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

interface Rendered {
  run: RunSnapshot;
  lines: string[];
  json: unknown;
}

/** Reads the run once, writes the charts and report, and returns what to print. */
function renderOnce(dir: string, out: string, totalSteps: number | undefined, diagnosis: DiagnosisOptions, refreshSeconds: number | undefined): Rendered {
  const run = readRun(dir, totalSteps === undefined ? {} : { totalSteps });
  const findings = diagnose(run.rows, diagnosis);
  const charts = runCharts(run.rows, diagnosis);
  const summaries = summarizeMetrics(run.rows);
  mkdirSync(out, { recursive: true });
  for (const chart of charts) writeAtomic(join(out, `${chart.id}.svg`), chart.svg);
  const reportPath = join(out, REPORT_FILE);
  writeAtomic(reportPath, renderReport({ run, findings, charts, summaries, diagnosisOptions: diagnosis, ...(refreshSeconds === undefined ? {} : { refreshSeconds }) }));

  const lines = [`rlhf monitor: ${dir}${run.algorithm !== undefined ? ` (${run.algorithm})` : ''}`, `  ${runStatusLine(run)}`];
  if (run.badLines.length > 0) lines.push(`  skipped metrics.jsonl lines that are not JSON: ${run.badLines.join(', ')}`);
  lines.push(findings.length === 0 ? 'diagnosis: healthy (no rule fired)' : `diagnosis: ${findings.length} finding${findings.length > 1 ? 's' : ''}`);
  for (const f of findings) lines.push(`  ${f.severity} ${f.id} (step ${f.step}): ${f.message}`, `    advice: ${f.advice}`);
  if (summaries.length > 0) {
    const width = Math.max(...summaries.map((s) => s.key.length));
    lines.push('metrics: final (best)');
    for (const s of summaries) {
      const best = s.best !== undefined ? `  (best ${formatMetric(s.best.value)} @${s.best.step})` : '';
      lines.push(`  ${s.key.padEnd(width)}  ${formatMetric(s.final.value)} @${s.final.step}${best}`);
    }
  }
  lines.push(`report: ${reportPath} (${charts.length} chart${charts.length === 1 ? '' : 's'})`);
  const json = {
    dir,
    status: run.status,
    algorithm: run.algorithm ?? null,
    currentStep: run.currentStep,
    totalSteps: run.totalSteps ?? null,
    etaSeconds: run.etaSeconds ?? null,
    error: run.error ?? null,
    findings,
    metrics: summaries,
    report: reportPath,
    charts: charts.map((c) => join(out, `${c.id}.svg`)),
  };
  return { run, lines, json };
}

export async function runMonitor(args: string[], print: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      'total-steps': { type: 'string' },
      'kl-target': { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) throw new Error(`monitor needs one OUTPUT_DIR\nusage: ${MONITOR_USAGE}`);
  const watch = values.watch === true;
  if (!watch && !existsSync(dir)) throw new Error(`${dir}: not found; pass a run's training.output_dir`);
  const logDir = runLogDir(dir); // logging.log_dir of the run, when it set one
  if (!watch && !existsSync(join(logDir, METRICS_FILE)) && !existsSync(join(logDir, TRAINING_LOG_FILE))) {
    throw new Error(`${join(logDir, METRICS_FILE)}: not found; is ${dir} a training output_dir? (--watch waits for a run that has not logged yet)`);
  }
  const totalSteps = positive('total-steps', values['total-steps']);
  const klTarget = positive('kl-target', values['kl-target']);
  const intervalSeconds = positive('interval', values.interval) ?? 30;
  const diagnosis: DiagnosisOptions = klTarget === undefined ? {} : { klTarget };
  const out = values.out ?? join(dir, MONITOR_DIR);

  let announcedWait = false;
  for (;;) {
    if (!existsSync(dir)) {
      // --watch started before the trainer made its output_dir.
      if (!announcedWait) print(`rlhf monitor: waiting for ${dir} (checking every ${intervalSeconds} s)`);
      announcedWait = true;
      await sleep(intervalSeconds * 1000);
      continue;
    }
    const rendered = renderOnce(dir, out, totalSteps, diagnosis, watch ? intervalSeconds : undefined);
    if (values.json === true) print(JSON.stringify(rendered.json, null, 2));
    else rendered.lines.forEach((line) => print(line));
    const done = rendered.run.status === 'finished' || rendered.run.status === 'failed';
    if (!watch || done) return 0;
    await sleep(intervalSeconds * 1000);
    if (values.json !== true) print('');
  }
}
