/** The health diagnosis fires on streams built to trigger each rule and stays quiet on a healthy one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnose, DIAGNOSIS_RULE_IDS, DIAGNOSIS_RULES, type MetricRow } from '../../src/monitor/index.js';

/** 20 logs (steps 10..200) of a healthy PPO-style run with a critic: loss falls, reward rises, KL stays under target. */
function healthy(i: number): MetricRow {
  const t = i / 19;
  return {
    loss: 2 - t,
    lr: 1e-5,
    grad_norm: 1 + 0.2 * Math.sin(i),
    reward: t,
    kl: 0.5 + 1.5 * t,
    'critic/d_acc': 0.7 - 0.05 * t,
    'critic/score_diff': 1 - 0.7 * t,
    'critic/teacher_score': 1,
    'critic/student_score': 0.7 * t,
  };
}

/** The healthy stream with `change(i)` merged into log i; an undefined value removes the key. */
function stream(change: (i: number) => Record<string, number | null | undefined> = () => ({})): MetricRow[] {
  return Array.from({ length: 20 }, (_, i) => {
    const row: Record<string, number | null | undefined> = { step: 10 * (i + 1), ...healthy(i), ...change(i) };
    for (const key of Object.keys(row)) if (row[key] === undefined) delete row[key];
    return row as MetricRow;
  });
}

const ids = (rows: MetricRow[], options = {}): string[] => diagnose(rows, options).map((f) => f.id);

test('a healthy run gets no finding, and every rule in the table has an id and advice', () => {
  assert.deepEqual(diagnose(stream()), []);
  assert.deepEqual(DIAGNOSIS_RULES.map((r) => r.id), [...DIAGNOSIS_RULE_IDS]);
  for (const rule of DIAGNOSIS_RULES) assert.ok(rule.advice.length > 20, rule.id);
});

test('loss NaN (written as null) fires an error at the first bad step', () => {
  const [f, ...rest] = diagnose(stream((i) => (i >= 6 ? { loss: null } : {})));
  assert.equal(rest.length, 0);
  assert.deepEqual([f?.id, f?.severity, f?.step], ['loss-nan', 'error', 70]);
  assert.equal(f?.message, 'loss is NaN or infinite at step 70 (and 13 later logs)');
  assert.deepEqual(ids(stream((i) => (i === 19 ? { 'eval/loss': null } : {}))), ['loss-nan']);
});

test('grad norm above 5 is unstable and below 0.1 is stalled, judged on the mean of the last 5 logs', () => {
  const high = diagnose(stream(() => ({ grad_norm: 8 })));
  assert.deepEqual(high.map((f) => [f.id, f.severity]), [['grad-norm-high', 'warning']]);
  assert.match(high[0]!.message, /^grad norm averages 8 over the last 5 logs \(above 5\)/);
  assert.deepEqual(ids(stream(() => ({ grad_norm: 0.05 }))), ['grad-norm-low']);
  assert.deepEqual(ids(stream(() => ({ grad_norm: 5 }))), [], 'exactly 5 is not above 5');
  assert.deepEqual(ids(stream((i) => (i < 3 ? { grad_norm: 50 } : {}))), [], 'an early spike is over');
  assert.deepEqual(ids(stream((i) => (i >= 15 ? { grad_norm: 9 } : {}))), ['grad-norm-high'], 'a recent blow-up counts');
  assert.deepEqual(ids(stream(() => ({ grad_norm: 8 })), { gradNormHigh: 10 }), [], 'thresholds are options');
});

test('KL above the target warns; with reward rising while KL explodes it is reward hacking', () => {
  assert.deepEqual(ids(stream(() => ({ kl: 8 }))), ['kl-above-target'], 'high but flat KL is not an explosion');
  const hacking = stream((i) => ({ kl: 0.5 * 1.25 ** i, reward: 0.1 * i })); // KL 0.5 -> 34
  const found = diagnose(hacking);
  assert.deepEqual(found.map((f) => [f.id, f.severity]), [['reward-hacking', 'error'], ['kl-above-target', 'warning']]);
  assert.match(found[0]!.message, /^reward rose from 0\.2 to 1\.7 while KL grew from 0\.\d+ to \d+/);
  assert.deepEqual(ids(stream((i) => ({ kl: 0.5 * 1.25 ** i, reward: 1 - 0.05 * i }))), ['kl-above-target'], 'falling reward is not hacking');
  assert.deepEqual(ids(hacking, { klTarget: 100 }), [], 'under a higher target nothing fires');
});

test('critic d_acc above 0.8 may be overfitting, below 0.55 means the student is close to the teacher', () => {
  const over = diagnose(stream(() => ({ 'critic/d_acc': 0.9 })));
  assert.deepEqual(over.map((f) => f.id), ['critic-overfit']);
  assert.match(over[0]!.advice, /lower the critic's learning rate or raise the temperature/);
  const near = diagnose(stream(() => ({ 'critic/d_acc': 0.52 })));
  assert.deepEqual(near.map((f) => [f.id, f.severity]), [['critic-near-chance', 'info']]);
  assert.match(near[0]!.message, /0\.52 .*below 0\.55, chance is 0\.5/);
  assert.deepEqual(ids(stream(() => ({ d_acc: 0.95, 'critic/d_acc': undefined }))), ['critic-overfit'], 'the short alias counts too');
});

test('score_diff that does not shrink is flagged; one that shrank, or is already near 0, is not', () => {
  assert.deepEqual(ids(stream(() => ({ 'critic/score_diff': 1.2 }))), ['score-diff-flat']);
  assert.deepEqual(ids(stream((i) => ({ 'critic/score_diff': 0.5 + 0.05 * i }))), ['score-diff-flat'], 'growing');
  assert.deepEqual(ids(stream((i) => ({ 'critic/score_diff': -(1 - 0.04 * i) }))), [], 'a negative gap shrinking in size');
  assert.deepEqual(ids(stream(() => ({ 'critic/score_diff': 0.01 }))), [], 'already closed');
  assert.deepEqual(ids(stream((i) => ({ 'critic/score_diff': 1 - 0.004 * i }))), ['score-diff-flat'], 'shrank by 6%, under 10%');
});

test('several problems at once come errors first; too few logs for a trend skip the trend rules', () => {
  const rows = stream((i) => ({ grad_norm: 7, 'critic/d_acc': 0.95, loss: i === 19 ? null : 1 }));
  assert.deepEqual(ids(rows), ['loss-nan', 'grad-norm-high', 'critic-overfit']);
  assert.deepEqual(ids(stream(() => ({ 'critic/score_diff': 1.2 })).slice(0, 3)), []);
  assert.throws(() => diagnose([], { window: 0 }), /window must be a positive integer, got 0/);
});
