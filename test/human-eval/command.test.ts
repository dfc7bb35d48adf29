/** `rlhf human-eval` argument handling: usage errors are one line plus the usage; create and analyze run. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HUMAN_EVAL_USAGE, runHumanEval } from '../../src/cli/human-eval-command.js';

const examples = fileURLToPath(new URL('../../../examples/human-eval/', import.meta.url));

test('usage errors name what is missing', async () => {
  // main.ts prints `usage: ${usage}` for --help; the help test expects it to start with the command.
  assert.match(HUMAN_EVAL_USAGE, /^rlhf human-eval <create\|serve\|analyze>/);
  await assert.rejects(runHumanEval([]), /human-eval needs create, serve or analyze\n/);
  await assert.rejects(runHumanEval(['judge']), /got 'judge'/);
  await assert.rejects(runHumanEval(['create', 'a.jsonl']), /create needs two generation files and --out DIR/);
  await assert.rejects(runHumanEval(['create', 'a.jsonl', 'b.jsonl', '--out', 'x', '--seed', '1.5']), /--seed expects an integer from 0 to 4294967295, got '1.5'/);
  await assert.rejects(runHumanEval(['serve']), /serve needs one task folder/);
  await assert.rejects(runHumanEval(['serve', 'x', '--port', '70000']), /--port expects an integer from 0 to 65535/);
  await assert.rejects(runHumanEval(['analyze', join(tmpdir(), 'no-such-task')]), /task\.json: not found; is this a task folder made by `rlhf human-eval create`\?/);
  await assert.rejects(runHumanEval(['analyze', 'x', '--bogus']), /Unknown option '--bogus'/);
});

test('create then analyze the shipped example', async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'heval-cmd-')), 'task');
  const lines: string[] = [];
  t.mock.method(console, 'log', (line: string) => lines.push(line));
  assert.equal(await runHumanEval(['create', join(examples, 'sft.jsonl'), join(examples, 'dpo.jsonl'), '--out', out, '--model-b-name', 'dpo-v2']), 0);
  assert.equal(await runHumanEval(['analyze', out]), 0);
  t.mock.restoreAll();
  const text = lines.join('\n');
  assert.match(text, /6 items from sft \(.*sft\.jsonl\) and dpo-v2 \(.*dpo\.jsonl\)/);
  assert.match(text, /1 prompt\(s\) of sft have no reply from dpo-v2 and were left out: "Is it safe to look directly at the sun\?"/);
  assert.match(text, /0 of 6 items judged/);
});
