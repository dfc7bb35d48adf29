/** SVG line charts: ticks, coordinates, NaN gaps, reference lines, and the run's chart table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartIdFor, formatTick, niceTicks, renderLineChart, runCharts, type MetricRow } from '../../src/monitor/index.js';

test('niceTicks covers the range with 1/2/2.5/5 x 10^k steps; formatTick shows what the step needs', () => {
  assert.deepEqual(niceTicks(0.13, 0.87), { min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  assert.deepEqual(niceTicks(6.43, 6.66).ticks, [6.4, 6.45, 6.5, 6.55, 6.6, 6.65, 6.7]);
  assert.deepEqual(niceTicks(1, 20).ticks, [0, 5, 10, 15, 20]);
  assert.deepEqual(niceTicks(5, 5).ticks, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]); // a flat series still gets an axis
  const lr = niceTicks(0, 1e-4);
  assert.deepEqual(lr.ticks.map((t) => formatTick(t, lr.step)), ['0', '2.5e-5', '5e-5', '7.5e-5', '1e-4']);
  assert.deepEqual([formatTick(0.4, 0.2), formatTick(15, 5), formatTick(7.5, 2.5), formatTick(2e6, 1e6)], ['0.4', '15', '7.5', '2e6']);
  assert.throws(() => niceTicks(0, Number.NaN), /must be finite/);
});

test('renderLineChart maps steps and values onto the plot, breaks lines at NaN and draws reference lines', () => {
  const svg = renderLineChart({
    title: 'd_acc <critic>',
    series: [{ label: 'd_acc', points: [{ step: 0, value: 0 }, { step: 10, value: 1 }, { step: 20, value: Number.NaN }, { step: 30, value: 0.5 }] }],
    referenceLines: [{ value: 0.5, label: 'chance' }],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="300"/);
  assert.match(svg, /<\/svg>$/);
  assert.match(svg, /aria-label="d_acc &lt;critic&gt;"/, 'titles are escaped');
  // Plot box: x 64..620, y 46..258. Step 0 -> x 64, value 0 -> y 258, value 1 -> y 46.
  const path = /<path class="series" data-label="d_acc" d="([^"]+)"/.exec(svg)?.[1];
  assert.equal(path, 'M64,258L249.33,46M620,152', 'the NaN at step 20 splits the line; step 30 starts a new piece');
  assert.match(svg, /<line class="reference" data-value="0.5" x1="64" x2="620" y1="152" y2="152"/);
  assert.match(svg, /<path class="nan" d="M430.67,46/);
  assert.match(svg, /<title>d_acc is NaN at step 20<\/title>/);
  assert.deepEqual([...svg.matchAll(/class="y-tick"[^>]*>([^<]+)</g)].map((m) => m[1]), ['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.equal([...svg.matchAll(/<circle /g)].length, 3);
});

test('a far-away threshold (extendAxis false) does not flatten the curve; a near one is drawn', () => {
  const points = [{ step: 1, value: 0.01 }, { step: 2, value: 0.03 }];
  const far = renderLineChart({ title: 'KL', series: [{ label: 'kl', points }], referenceLines: [{ value: 6, label: 'target', extendAxis: false }] });
  assert.doesNotMatch(far, /class="reference"/);
  assert.match(far, /class="y-tick"[^>]*>0.030</);
  const near = renderLineChart({ title: 'grad', series: [{ label: 'g', points: [{ step: 1, value: 7.9 }, { step: 2, value: 8.7 }] }], referenceLines: [{ value: 5, label: 'unstable', extendAxis: false }] });
  assert.match(near, /class="reference" data-value="5"/);
  assert.throws(() => renderLineChart({ title: 'empty', series: [{ label: 'x', points: [] }] }), /'empty' has no points/);
});

test('runCharts draws the standard charts a run logged, eval twins beside train series, then the other metrics', () => {
  const rows: MetricRow[] = [];
  for (let step = 1; step <= 6; step++) {
    rows.push({ step, loss: 1 / step, lr: 1e-5, grad_norm: 1, 'critic/d_acc': 0.6 + 0.02 * step, 'critic/score_diff': 1 / step, 'critic/teacher_score': 1, 'critic/student_score': 1 - 1 / step, accuracy: 0.7, 'logps/chosen': -10 });
    if (step % 3 === 0) rows.push({ step, 'eval/loss': 1.1 / step, 'eval/accuracy': 0.65, 'eval/perplexity': Math.exp(1.1 / step) });
  }
  const charts = runCharts(rows);
  assert.deepEqual(charts.map((c) => c.id), ['loss', 'lr', 'grad-norm', 'preference-accuracy', 'critic-d-acc', 'critic-score-diff', 'critic-scores', 'eval-perplexity', 'logps-chosen']);
  assert.deepEqual(charts[0]!.keys, ['loss', 'eval/loss']);
  assert.deepEqual(charts[3]!.keys, ['accuracy', 'eval/accuracy']);
  assert.match(charts[3]!.svg, /class="legend"[^>]*>eval accuracy</);
  const dAcc = charts.find((c) => c.id === 'critic-d-acc')!.svg;
  assert.match(dAcc, /class="reference" data-value="0.5"/, 'the chance line');
  assert.match(dAcc, /class="reference" data-value="0.55"/, 'a threshold the data comes near');
  assert.match(charts.find((c) => c.id === 'critic-scores')!.svg, /data-label="teacher"[\s\S]*data-label="student"/);
  assert.equal(chartIdFor('rewards/chosen'), 'rewards-chosen');
});
