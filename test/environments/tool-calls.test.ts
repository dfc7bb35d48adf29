/** Tool-call parsing and execution: valid calls, malformed JSON, unknown tools, schema violations, throwing tools. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calculatorEnvironment, calculatorTool, evaluateExpression, parseToolCalls, ToolBox, type Tool } from '../../src/environments/index.js';

const call = (body: string) => `<tool_call>\n${body}\n</tool_call>`;

test('parseToolCalls: valid calls, text around them, and arguments given as a JSON string', () => {
  assert.deepEqual(parseToolCalls('The answer is 408.'), { content: 'The answer is 408.', toolCalls: [] });
  assert.deepEqual(parseToolCalls(`Let me compute.\n${call('{"name": "calculator", "arguments": {"expression": "12*34"}}')}`), {
    content: 'Let me compute.',
    toolCalls: [{ ok: true, name: 'calculator', arguments: { expression: '12*34' } }],
  });
  assert.deepEqual(parseToolCalls(call('{"name": "a", "arguments": {}}') + call('{"name": "b", "arguments": "{\\"x\\": 1}"}')).toolCalls, [
    { ok: true, name: 'a', arguments: {} },
    { ok: true, name: 'b', arguments: { x: 1 } },
  ]);
});

test('parseToolCalls: malformed calls become errors, in order', () => {
  assert.deepEqual(parseToolCalls(call('{"name": "calculator", "arguments": {"expression": "1+1"}')).toolCalls, [
    { ok: false, error: 'the tool call is not valid JSON: "{\\"name\\": \\"calculator\\", \\"arguments\\": {\\"expression\\": \\"1+1\\"}"' },
  ]);
  assert.deepEqual(parseToolCalls(call('[1, 2]')).toolCalls, [{ ok: false, error: 'the tool call must be a JSON object {"name": ..., "arguments": {...}}' }]);
  assert.deepEqual(parseToolCalls(call('{"arguments": {}}')).toolCalls, [{ ok: false, error: 'the tool call has no "name" string' }]);
  assert.deepEqual(parseToolCalls(call('{"name": "calculator", "arguments": 3}')).toolCalls, [{ ok: false, name: 'calculator', error: '"arguments" of the call to calculator must be a JSON object' }]);
  assert.deepEqual(parseToolCalls('x <tool_call>\n{"name": "calculator"'), { content: 'x', toolCalls: [{ ok: false, error: '<tool_call> is not closed by </tool_call>' }] });
});

test('ToolBox: results, unknown tools, schema violations and throwing tools as tool messages', async () => {
  const failing: Tool = { name: 'fail', description: 'always throws', parameters: { type: 'object', properties: {} }, run: () => { throw new Error('no network'); } };
  const box = new ToolBox([calculatorTool as Tool, failing]);
  assert.deepEqual(box.schemas()[0], { type: 'function', function: { name: 'calculator', description: calculatorTool.description, parameters: calculatorTool.parameters } });
  assert.deepEqual(await box.call({ ok: true, name: 'calculator', arguments: { expression: '12*34' } }), { message: { role: 'tool', name: 'calculator', content: '408' }, error: false });
  assert.deepEqual(await box.call({ ok: true, name: 'calc', arguments: {} }), {
    message: { role: 'tool', name: 'calc', content: '{"error":"unknown tool \\"calc\\"; the tools are calculator, fail"}' },
    error: true,
  });
  assert.deepEqual(await box.call({ ok: true, name: 'calculator', arguments: { expression: 12 } }), {
    message: { role: 'tool', name: 'calculator', content: '{"error":"invalid arguments for calculator: expression: Invalid input: expected string, received number"}' },
    error: true,
  });
  assert.deepEqual(await box.call({ ok: true, name: 'calculator', arguments: {} }), {
    message: { role: 'tool', name: 'calculator', content: '{"error":"invalid arguments for calculator: expression: Invalid input: expected string, received undefined"}' },
    error: true,
  });
  assert.equal((await box.call({ ok: true, name: 'calculator', arguments: { expression: '1', extra: 1 } })).error, true, 'additionalProperties: false');
  assert.deepEqual(await box.call({ ok: true, name: 'calculator', arguments: { expression: '1/0' } }), {
    message: { role: 'tool', name: 'calculator', content: '{"error":"calculator failed: division by zero in \\"1/0\\""}' },
    error: true,
  });
  assert.deepEqual(await box.call({ ok: true, name: 'fail', arguments: {} }), { message: { role: 'tool', name: 'fail', content: '{"error":"fail failed: no network"}' }, error: true });
  assert.deepEqual(await box.call({ ok: false, error: 'the tool call has no "name" string' }), {
    message: { role: 'tool', name: 'unknown', content: '{"error":"the tool call has no \\"name\\" string"}' },
    error: true,
  });
});

test('evaluateExpression: precedence, parentheses, unary minus, decimals, errors', () => {
  assert.equal(evaluateExpression('12*34'), 408);
  assert.equal(evaluateExpression('2+3*4-(5-1)/2'), 12);
  assert.equal(evaluateExpression('-3*-(2+1)'), 9);
  assert.equal(evaluateExpression(' 1.5 * 4 '), 6);
  assert.equal(calculatorTool.run({ expression: '10/4' }), '2.5');
  assert.equal(calculatorTool.run({ expression: '1/3' }), '0.333333333333');
  assert.throws(() => evaluateExpression('2+'), /unexpected end in "2\+"/);
  assert.throws(() => evaluateExpression('(2+3'), /missing '\)'/);
  assert.throws(() => evaluateExpression('2 3'), /unexpected "3"/);
  assert.throws(() => evaluateExpression('2^3'), /unexpected "\^"/);
  assert.throws(() => evaluateExpression(''), /empty expression/);
});

test('calculator environment: a tool call goes on with its result; an answer ends the episode scored by exact match', async () => {
  const env = calculatorEnvironment().create();
  env.reset({ prompt: '12*34=', promptIds: [], reference: '408' });
  assert.deepEqual(await env.step(call('{"name": "calculator", "arguments": {"expression": "12*34"}}')), {
    messages: [{ role: 'tool', name: 'calculator', content: '408' }], reward: 0, done: false, toolCalls: 1, toolErrors: 0,
  });
  assert.deepEqual(await env.step(call('{"name": "calculator"}') + call('{"name": "calculator", "arguments": {"expression": "1+1"}}')), {
    messages: [
      { role: 'tool', name: 'calculator', content: '{"error":"\\"arguments\\" of the call to calculator must be a JSON object"}' },
      { role: 'tool', name: 'calculator', content: '2' },
    ],
    reward: 0, done: false, toolCalls: 2, toolErrors: 1,
  });
  assert.deepEqual(await env.step(' 408 '), { messages: [], reward: 1, done: true, toolCalls: 0, toolErrors: 0 });
  assert.equal((await env.step('407')).reward, 0);
});
