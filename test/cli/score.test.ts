import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const RM = 'test/fixtures/models/tiny-qwen2-rm';
const TOKENIZER = 'test/fixtures/models/tiny-qwen2';
const golden = JSON.parse(readFileSync(join(RM, 'golden.json'), 'utf8'));

function rlhf(args: string[]): string {
  return execFileSync(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8' });
}

test('rlhf score: pairs get the rewards TRL computed, with accuracy and margin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'score-'));
  const data = join(dir, 'pairs.jsonl');
  writeFileSync(data, `${golden.examples.map((e: unknown) => JSON.stringify(e)).join('\n')}\n`);
  const out = join(dir, 'scores.jsonl');
  const summary = rlhf(['score', '--model', RM, '--tokenizer', TOKENIZER, '--data', data, '--out', out]);
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const want = golden.cases.no_margin;
  rows.forEach((r, i) => {
    assert.ok(Math.abs(r.chosen_score - want.rewards_chosen[i]) < 1e-5, `chosen ${i}: ${r.chosen_score} vs ${want.rewards_chosen[i]}`);
    assert.ok(Math.abs(r.rejected_score - want.rewards_rejected[i]) < 1e-5, `rejected ${i}`);
  });
  const correct = want.rewards_chosen.filter((c: number, i: number) => c > want.rewards_rejected[i]).length;
  assert.match(summary, new RegExp(`2 pairs, accuracy ${(correct / 2).toFixed(4)}`));
});

test('rlhf score: single responses score like the chosen side of a pair (message lists, or plain strings with --chat-template always)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'score-'));
  const e = golden.examples[0];
  const want = golden.cases.no_margin.rewards_chosen[0];
  const score = (row: unknown, flags: string[] = []): number => {
    const data = join(dir, 'responses.jsonl');
    writeFileSync(data, `${JSON.stringify(row)}\n`);
    const out = join(dir, 'scores.jsonl');
    rlhf(['score', '--model', RM, '--tokenizer', TOKENIZER, '--data', data, '--format', 'sft', '--out', out, ...flags]);
    return (JSON.parse(readFileSync(out, 'utf8').trim()) as { score: number }).score;
  };
  const conversational = score({ prompt: e.prompt, completion: e.chosen });
  assert.ok(Math.abs(conversational - want) < 1e-5, `${conversational}`);
  const plain = { prompt: e.prompt[0].content, response: e.chosen[0].content };
  const wrapped = score(plain, ['--chat-template', 'always']);
  assert.ok(Math.abs(wrapped - want) < 1e-5, `${wrapped}`);
  // auto (TRL's rule): plain strings are plain text, so another input and another score.
  assert.ok(Math.abs(score(plain) - want) > 1e-4);
});
