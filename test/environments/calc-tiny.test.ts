/** examples/models/calc-tiny and the calculator task's data: files in sync, tool calls as short token runs, SFT masks that skip the tool's turn. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { calcTinyFiles } from '../../examples/models/make-calc-tiny.js';
import { calculatorConversation, calculatorTask, solveCalculatorProblem, tokenizeConversation } from '../../src/data/index.js';
import { environmentSuffixIds, formatToolCall } from '../../src/environments/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';

const DIR = 'examples/models/calc-tiny';
const tok = Tokenizer.fromPretrained(DIR);

test('the committed calc-tiny files are what examples/models/make-calc-tiny.ts writes', () => {
  for (const [name, value] of Object.entries(calcTinyFiles())) {
    assert.equal(readFileSync(join(DIR, name), 'utf8'), `${JSON.stringify(value, null, 2)}\n`, `${DIR}/${name} is stale: node dist/examples/models/make-calc-tiny.js`);
  }
});

test('calc-tiny: a tool call is 11 tokens (12 with its <|im_end|>), and a call written as text renders as the structured call of Qwen2.5\'s template', () => {
  const call = formatToolCall('calculator', { expression: '12*34' });
  assert.equal(call, '<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*34"}}\n</tool_call>');
  assert.equal(tok.encode(call).length, 11);
  assert.equal(tok.decode(tok.encode(`${call}<|im_end|>`)), `${call}<|im_end|>`);
  const user = { role: 'user', content: '12*34=' };
  const structured = tok.applyChatTemplate([user, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'calculator', arguments: { expression: '12*34' } } }] }], { tokenize: false });
  assert.equal(tok.applyChatTemplate([user, { role: 'assistant', content: call }], { tokenize: false }), structured);
  assert.equal(tok.decode(environmentSuffixIds(tok, [{ role: 'tool', name: 'calculator', content: '408' }])), '\n<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n<|im_start|>assistant\n');
});

test('calculator task: SFT traces train on the call and the answer, not on the tool\'s turn; splits are disjoint, half products', () => {
  const ex = tokenizeConversation(tok, { kind: 'conversation', messages: calculatorConversation('12*34', true) });
  let marked = '';
  ex.inputIds.forEach((id, i) => (marked += ex.completionMask[i] ? `[${tok.decode([id])}]` : tok.decode([id])));
  assert.equal(marked, '<|im_start|>user\n12*34=<|im_end|>\n<|im_start|>assistant\n[<tool_call>][\n][{"name": "calculator", "arguments": {"expression": "][1][2][*][3][4]["}}][\n][</tool_call>][<|im_end|>][\n]<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n<|im_start|>assistant\n[4][0][8][<|im_end|>][\n]');
  assert.equal(solveCalculatorProblem('99*98'), '9702');
  const t = calculatorTask({ sft: 400, sftVal: 20, prompts: 100, eval: 40, seed: 3 });
  const asked = (r: { prompt: { content: string }[] }) => r.prompt[0]!.content;
  const all = [...t.eval.map(asked), ...t.prompts.map(asked), ...t.sft.map((r) => r.messages[0]!.content), ...t.sft_val.map((r) => r.messages[0]!.content)];
  assert.equal(new Set(all).size, all.length);
  assert.equal(t.eval.filter((r) => asked(r).includes('*')).length, 20);
  assert.deepEqual(t.eval[0]!.reference, solveCalculatorProblem(asked(t.eval[0]!).slice(0, -1)));
  const traces = t.sft.filter((r) => r.messages.length === 4).length;
  assert.ok(traces > 90 && traces < 150, `${traces} of 400 SFT records call the tool (tool rate 0.3)`);
});
