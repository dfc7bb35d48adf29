/** analyze: A/B mapped back to models, win rates, ties, agreement — on small cases worked out by hand. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeJudgments, analyzeTask } from '../../src/human-eval/analyze.js';
import type { Choice, Judgment } from '../../src/human-eval/judgments.js';
import { formatReport } from '../../src/human-eval/report.js';
import { wilsonInterval } from '../../src/human-eval/stats.js';
import { TASK_FORMAT, type TaskKey } from '../../src/human-eval/task.js';

const close = (actual: number | null | undefined, expected: number, tol = 1e-12) =>
  assert.ok(actual != null && Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

const key: TaskKey = {
  models: ['sft', 'dpo'],
  items: { i1: { a: 'sft', b: 'dpo' }, i2: { a: 'dpo', b: 'sft' }, i3: { a: 'sft', b: 'dpo' }, i4: { a: 'dpo', b: 'sft' } },
};
const ids = ['i1', 'i2', 'i3', 'i4'];
const j = (annotator: string, item: string, choice: Choice): Judgment => ({ annotator, item, choice, time: '2026-01-01T00:00:00Z' });

// ana: i1 b=dpo (after first saying a), i2 a=dpo, i3 tie, i4 both bad.  bob: i1 b=dpo, i2 b=sft, i3 tie.
const twoAnnotators = [j('ana', 'i1', 'a'), j('ana', 'i1', 'b'), j('ana', 'i2', 'a'), j('ana', 'i3', 'tie'), j('ana', 'i4', 'both_bad'), j('bob', 'i1', 'b'), j('bob', 'i2', 'b'), j('bob', 'i3', 'tie'), j('bob', 'i9', 'a')];

test('win rates over decisive judgments, ties as half, counts per annotator', () => {
  const r = analyzeJudgments(twoAnnotators, key, ids);
  // 7 judgments after ana's correction: dpo 3 (ana i1, ana i2, bob i1), sft 1 (bob i2), ties 2, both bad 1.
  assert.equal(r.judgments, 7);
  assert.equal(r.superseded, 1);
  assert.deepEqual(r.skipped, [{ line: 9, reason: "item 'i9' is not in the task" }]);
  assert.equal(r.itemsJudged, 4);
  assert.deepEqual([r.decisive, r.ties, r.bothBad], [4, 2, 1]);
  close(r.tieRate, 2 / 7);
  close(r.bothBadRate, 1 / 7);
  const [sft, dpo] = r.results;
  assert.equal(dpo?.model, 'dpo');
  assert.equal(dpo?.wins, 3);
  close(dpo?.winRate?.rate, 0.75);
  // Wilson for 3 of 4: center (0.75 + 0.48019)/1.96037 = 0.62753, half 0.32689 -> [0.3006, 0.9544]
  close(dpo?.winRate?.lower, 0.3006, 5e-4);
  close(dpo?.winRate?.upper, 0.9544, 5e-4);
  close(sft?.winRate?.rate, 0.25);
  // score: (wins + ½·(2 ties + 1 both bad)) / 7
  close(dpo?.score?.rate, 4.5 / 7);
  close(sft?.score?.rate, 2.5 / 7);
  assert.deepEqual(dpo?.score && { lower: dpo.score.lower, upper: dpo.score.upper }, wilsonInterval(4.5, 7));
  assert.deepEqual(r.annotators, [
    { annotator: 'ana', judgments: 4, wins: { sft: 0, dpo: 2 }, ties: 1, bothBad: 1 },
    { annotator: 'bob', judgments: 3, wins: { sft: 1, dpo: 1 }, ties: 1, bothBad: 0 },
  ]);
});

test("two annotators: raw agreement and Cohen's kappa on the items both judged", () => {
  const agreement = analyzeJudgments(twoAnnotators, key, ids).agreement;
  // Shared items i1, i2, i3: ana [dpo, dpo, tie], bob [dpo, sft, tie] -> agree on 2 of 3.
  // p_e = (2/3)(1/3) [dpo] + 0 [sft] + (1/3)(1/3) [tie] = 1/3; κ = (2/3 − 1/3)/(2/3) = 0.5
  assert.equal(agreement?.items, 3);
  assert.equal(agreement?.method, 'cohen');
  close(agreement?.rawAgreement, 2 / 3);
  close(agreement?.kappa, 0.5);
  assert.deepEqual(agreement?.annotators, ['ana', 'bob']);
  assert.equal(agreement?.pairs.length, 1);
});

test("three annotators: Fleiss' kappa over items judged by several", () => {
  // cy: i1 b=dpo, i2 a=dpo, i3 both bad. Counts [sft, dpo, tie, both bad]:
  //   i1 [0,3,0,0] P=1; i2 [1,2,0,0] P=(1+4−3)/6=1/3; i3 [0,0,2,1] P=1/3 -> P̄ = 5/9
  //   p = (1, 5, 2, 1)/9 -> P_e = 31/81; κ = (45/81 − 31/81)/(50/81) = 0.28
  const r = analyzeJudgments([...twoAnnotators, j('cy', 'i1', 'b'), j('cy', 'i2', 'a'), j('cy', 'i3', 'both_bad')], key, ids);
  assert.equal(r.agreement?.method, 'fleiss');
  assert.equal(r.agreement?.items, 3);
  close(r.agreement?.kappa, 0.28);
  close(r.agreement?.rawAgreement, 5 / 9);
  assert.deepEqual(r.agreement?.pairs.map((p) => p.annotators.join('-')), ['ana-bob', 'ana-cy', 'bob-cy']);
  const text = formatReport(r);
  assert.match(text, /agreement on 3 items judged by 2\+ annotators \(ana, bob, cy\): 55\.6% raw, Fleiss' kappa 0\.280/);
  assert.match(text, /ana vs cy: 3 items, 66\.7% agree/);
});

test('no judgments, or none decisive: rates are null, the text says so', () => {
  const empty = analyzeJudgments([], key, ids);
  assert.equal(empty.results[0]?.winRate, null);
  assert.equal(empty.agreement, null);
  assert.match(formatReport(empty), /no judgments yet/);
  const ties = analyzeJudgments([j('ana', 'i1', 'tie'), j('bob', 'i1', 'tie')], key, ids);
  assert.equal(ties.results[0]?.winRate, null);
  close(ties.results[0]?.score?.rate, 0.5);
  assert.equal(ties.agreement?.kappa, null); // everyone said tie: kappa undefined
  assert.match(formatReport(ties), /Cohen's kappa undefined/);
});

test('analyzeTask reads the folder and reports broken lines of judgments.jsonl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heval-analyze-'));
  mkdirSync(dir, { recursive: true });
  const items = ids.map((id) => ({ id, prompt: `q ${id}`, response_a: 'x', response_b: 'y' }));
  writeFileSync(join(dir, 'items.jsonl'), items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  writeFileSync(join(dir, 'key.json'), JSON.stringify(key));
  writeFileSync(join(dir, 'task.json'), JSON.stringify({ format: TASK_FORMAT, createdAt: '', seed: 0, models: key.models, sources: {}, items: 4, unmatched: {} }));
  writeFileSync(join(dir, 'judgments.jsonl'), [JSON.stringify(j('ana', 'i2', 'a')), '{"item": "i3", "annot'].join('\n'));
  const r = analyzeTask(dir);
  assert.equal(r.judgments, 1);
  assert.equal(r.results[1]?.wins, 1);
  assert.deepEqual(r.skipped.map((s) => s.line), [2]);
  assert.match(formatReport(r), /skipped 1 line\(s\) of judgments\.jsonl: line 2: not valid JSON/);
});
