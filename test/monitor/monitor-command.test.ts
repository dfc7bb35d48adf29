/**
 * `rlhf monitor` on a real run's output (test/fixtures/monitor/sft-run, from
 * `rlhf train --config examples/configs/sft.yaml`), on a live copy of it, and on a critic run
 * written through MetricsLogger.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runMonitor } from '../../src/cli/monitor-command.js';
import { formatMetric, MetricsLogger } from '../../src/monitor/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = [join(here, '..', 'fixtures', 'monitor', 'sft-run'), join(here, '..', '..', '..', 'test', 'fixtures', 'monitor', 'sft-run')].find((p) => existsSync(p)) as string;

async function monitor(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runMonitor(args, (line) => lines.push(line));
  return { code, lines };
}

const lastRow = (dir: string): Record<string, number> => {
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  return rows.filter((r) => 'loss' in r).pop() as Record<string, number>;
};

test('a finished SFT run: SVG charts, a self-contained report, progress, a quiet diagnosis and final values', async () => {
  const out = mkdtempSync(join(tmpdir(), 'monitor-out-'));
  const { code, lines } = await monitor([fixture, '--out', out]);
  assert.equal(code, 0);
  assert.deepEqual(readdirSync(out).sort(), ['eval-perplexity.svg', 'grad-norm.svg', 'loss.svg', 'lr.svg', 'report.html']);
  const last = lastRow(fixture);
  assert.equal(lines[0], `rlhf monitor: ${fixture} (sft)`);
  assert.equal(lines[1], '  finished: step 20/20 (100%) | 0.03 s/step'); // (19.407 s - 18.844 s) / 20 steps in training.log
  assert.equal(lines[2], 'diagnosis: healthy (no rule fired)');
  assert.ok(lines.includes(`  loss             ${formatMetric(last['loss']!)} @20  (best ${formatMetric(last['loss']!)} @20)`), lines.join('\n'));
  assert.ok(lines.includes('  eval/perplexity  617.2 @20  (best 617.2 @20)'), lines.join('\n'));

  const loss = readFileSync(join(out, 'loss.svg'), 'utf8');
  assert.match(loss, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((/data-label="loss" d="([^"]+)"/.exec(loss)?.[1] ?? '').split('L').length, 5, 'one vertex per logged train step');
  assert.equal((/data-label="eval loss" d="([^"]+)"/.exec(loss)?.[1] ?? '').split('L').length, 2, 'eval at steps 10 and 20');

  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal([...html.matchAll(/<svg /g)].length, 4, 'charts are inline');
  assert.doesNotMatch(html, /<script|<link|src="http/, 'nothing loads from elsewhere');
  assert.match(html, /finished: step 20\/20 \(100%\)/);
  assert.match(html, /Healthy: no diagnosis rule fired/);
  assert.match(html, new RegExp(`<td>loss</td><td>5</td><td>${formatMetric(last['loss']!).replace('.', '\\.')} <span class="meta">@20</span>`));
  assert.match(html, /<li><code>critic-overfit<\/code> \(warning\): critic d_acc averages above 0\.8/);
});

test('a run still being written: the cut-off line is tolerated, progress and ETA are shown, --json reports them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-live-'));
  cpSync(fixture, dir, { recursive: true });
  rmSync(join(dir, 'training_stats.json'));
  const log = readFileSync(join(dir, 'training.log'), 'utf8').split('\n');
  writeFileSync(join(dir, 'training.log'), `${log.slice(0, 4).join('\n')}\n`); // up to "step 10: loss"
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n');
  writeFileSync(join(dir, 'metrics.jsonl'), `${metrics.slice(0, 3).join('\n')}\n{"step":15,"epoch":0.3,"lo`);
  const { code, lines } = await monitor([dir, '--json']);
  assert.equal(code, 0);
  const json = JSON.parse(lines.join('\n'));
  assert.deepEqual([json.status, json.currentStep, json.totalSteps], ['running', 10, 20]);
  assert.ok(Math.abs(json.etaSeconds - 10 * (0.285 / 10)) < 1e-9, `eta ${json.etaSeconds}`); // 10 steps left at (19.129 - 18.844) / 10 s
  assert.deepEqual(json.findings, []);
  assert.equal(json.report, join(dir, 'monitor', 'report.html'));
  assert.ok(existsSync(json.report));
});

test('a critic run written through MetricsLogger: d_acc chart with the chance line, and the overfit finding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-critic-'));
  const logger = new MetricsLogger(dir);
  for (let step = 1; step <= 10; step++) {
    const dAcc = 0.6 + 0.035 * step; // climbs to 0.95; the last 5 logs average 0.88
    logger.log({ step, epoch: step / 10, loss: 1 / step, lr: 1e-5, gradNorm: 0.8, metrics: { 'critic/d_acc': dAcc, 'critic/score_diff': 0.5 + 0.1 * step, 'critic/teacher_score': 1 + 0.1 * step, 'critic/student_score': 0.5 } });
  }
  logger.close();
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step":11,');
  const { lines } = await monitor([dir, '--total-steps', '40']);
  assert.match(lines[1] ?? '', /^ {2}running: step 10\/40 \(25%\) \| last log \d+s ago$/);
  assert.deepEqual(lines.filter((l) => /^ {2}(error|warning|info) /.test(l)).map((l) => l.split(' ')[3]), ['critic-overfit', 'score-diff-flat']);
  const out = join(dir, 'monitor');
  const dAcc = readFileSync(join(out, 'critic-d-acc.svg'), 'utf8');
  assert.match(dAcc, /class="reference" data-value="0.5"[^>]*/);
  assert.match(dAcc, /class="reference" data-value="0.8"/);
  assert.ok(existsSync(join(out, 'critic-score-diff.svg')) && existsSync(join(out, 'critic-scores.svg')));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<div class="finding warning"><span class="sev">warning<\/span><code>critic-overfit<\/code> \(step 10\): critic d_acc averages 0\.88 over the last 5 logs/);
  assert.match(html, /<div class="finding warning"><span class="sev">warning<\/span><code>score-diff-flat<\/code>/);
  assert.doesNotMatch(html, /http-equiv="refresh"/);
});

test('--watch re-renders until the run finishes, and the report reloads itself meanwhile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-watch-'));
  cpSync(fixture, dir, { recursive: true });
  rmSync(join(dir, 'training_stats.json'));
  const log = readFileSync(join(dir, 'training.log'), 'utf8');
  writeFileSync(join(dir, 'training.log'), log.replace(/.*done: .*\n/, ''));
  const lines: string[] = [];
  const watching = runMonitor([dir, '--watch', '--interval', '0.05'], (line) => lines.push(line));
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.match(readFileSync(join(dir, 'monitor', 'report.html'), 'utf8'), /<meta http-equiv="refresh" content="1">/);
  appendFileSync(join(dir, 'training.log'), /.*done: .*\n/.exec(log)?.[0] ?? '');
  assert.equal(await watching, 0);
  const statuses = lines.filter((l) => /^ {2}(running|finished):/.test(l));
  assert.ok(statuses.length >= 2, lines.join('\n'));
  assert.match(statuses[0]!, /^ {2}running: step 20\/20 \(100%\)/);
  assert.match(statuses[statuses.length - 1]!, /^ {2}finished: step 20\/20 \(100%\)/);
});

test('monitor errors are one line with the value', async () => {
  await assert.rejects(monitor(['/nonexistent-run']), /\/nonexistent-run: not found; pass a run's training.output_dir/);
  await assert.rejects(monitor([mkdtempSync(join(tmpdir(), 'no-metrics-'))]), /metrics\.jsonl: not found; is .* a training output_dir\?/);
  await assert.rejects(monitor([fixture, '--kl-target', 'abc']), /--kl-target expects a positive number, got 'abc'/);
  await assert.rejects(monitor([]), /monitor needs one OUTPUT_DIR/);
});

test('--watch waits for an output_dir that does not exist yet', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'monitor-later-')), 'run');
  const lines: string[] = [];
  const watching = runMonitor([dir, '--watch', '--interval', '0.05'], (line) => lines.push(line));
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.deepEqual(lines, [`rlhf monitor: waiting for ${dir} (checking every 0.05 s)`]);
  cpSync(fixture, dir, { recursive: true }); // the run appears, already finished
  assert.equal(await watching, 0);
  assert.match(lines.join('\n'), /finished: step 20\/20/);
});
