/** The environment section: refused names list the built-ins, only grpo/ppo take it, it replaces rewards.functions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { loadEnvironment } from '../../src/environments/index.js';

const base = { model: { name_or_path: 'm' }, data: { dataset_path: 'd.jsonl' } };
const messages = (input: unknown) => {
  const r = RunConfig.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('environment config: defaults, unknown names, algorithms, both sources', async () => {
  const c = RunConfig.parse({ ...base, training: { algorithm: 'grpo', per_device_train_batch_size: 8 }, environment: { name: 'calculator' } });
  assert.deepEqual(c.environment, { name: 'calculator', module: null, export: 'default', max_turns: 4, max_episode_tokens: 512, tools_in_prompt: true });
  assert.deepEqual(messages({ ...base, training: { algorithm: 'grpo', per_device_train_batch_size: 8 }, environment: { name: 'calc' } }), ['environment.name: Invalid input: expected "calculator"']);
  assert.deepEqual(messages({ ...base, training: { algorithm: 'sft' }, environment: { name: 'calculator' } }), ['environment: environment works with training.algorithm grpo, ppo, rloo, reinforce_pp, not sft; remove the environment section or change the algorithm']);
  assert.deepEqual(messages({ ...base, training: { algorithm: 'ppo' }, environment: { name: 'calculator', module: 'env.mjs' } }), ['environment.module: set environment.name (calculator) or environment.module (env.mjs), not both']);
  assert.deepEqual(messages({ ...base, training: { algorithm: 'grpo', per_device_train_batch_size: 8 }, environment: { name: 'calculator', max_turns: 0 } }).length, 1);
  // Without an environment grpo still needs a reward.
  assert.match(messages({ ...base, training: { algorithm: 'grpo', per_device_train_batch_size: 8 } }).join('\n'), /set rewards.functions or a reward model/);
  await assert.rejects(loadEnvironment({ name: 'calc', module: null, export: 'default' }), /unknown environment 'calc'; built-ins: calculator/);
  assert.equal((await loadEnvironment({ name: 'calculator', module: null, export: 'default' })).tools[0]?.function.name, 'calculator');
});

test('examples/environments/capitals.ts loads as environment.module and answers a tool call', async () => {
  const factory = await loadEnvironment({ name: null, module: 'dist/examples/environments/capitals.js', export: 'default' });
  assert.equal(factory.tools[0]?.function.name, 'capital_of');
  const env = factory.create();
  env.reset({ prompt: 'Capital of Peru?', promptIds: [], reference: 'Lima' });
  assert.deepEqual(await env.step('<tool_call>\n{"name": "capital_of", "arguments": {"country": "Peru"}}\n</tool_call>'), {
    messages: [{ role: 'tool', name: 'capital_of', content: 'Lima' }], reward: 0, done: false, toolCalls: 1, toolErrors: 0,
  });
  assert.equal((await env.step('<tool_call>\n{"name": "capital_of", "arguments": {"country": "Mars"}}\n</tool_call>')).messages[0]?.content, '{"error":"capital_of failed: no capital known for Mars"}');
  assert.deepEqual(await env.step('It is Lima.'), { messages: [], reward: 1, done: true, toolCalls: 0, toolErrors: 0 });
  await assert.rejects(loadEnvironment({ name: null, module: 'dist/examples/environments/capitals.js', export: 'nope' }), /export 'nope' is not an EnvironmentFactory/);
});

test('environment.tools_in_prompt renders the prompts with the tool schemas (as TRL passes tools to the template)', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { Tokenizer } = await import('../../src/tokenizers/index.js');
  const { episodeSourceOf, loadOnlinePrompts } = await import('../../src/trainers/online/setup.js');
  const dir = mkdtempSync(join(tmpdir(), 'tools-prompt-'));
  writeFileSync(join(dir, 'p.jsonl'), '{"prompt": [{"role": "user", "content": "2*3="}], "reference": "6"}\n');
  const tokenizer = Tokenizer.fromPretrained('examples/models/calc-tiny');
  const config = (toolsInPrompt: boolean) => RunConfig.parse({
    model: { name_or_path: 'examples/models/calc-tiny' },
    training: { algorithm: 'grpo', per_device_train_batch_size: 8 },
    data: { max_prompt_length: 1000, max_length: 1100, datasets: { prompt: { train_files: [{ path: join(dir, 'p.jsonl') }] } } },
    environment: { name: 'calculator', tools_in_prompt: toolsInPrompt },
  });
  for (const on of [true, false]) {
    const c = config(on);
    const episodes = await episodeSourceOf(c, tokenizer);
    const [p] = await loadOnlinePrompts(c, tokenizer, episodes);
    const tools = on ? episodes!.factory.tools : undefined;
    assert.deepEqual(p!.ids, tokenizer.applyChatTemplate([{ role: 'user', content: '2*3=' }], { addGenerationPrompt: true, ...(tools === undefined ? {} : { tools }) }));
    assert.equal(tokenizer.decode(p!.ids).includes('<tools>\n{"type": "function", "function": {"name": "calculator"'), on);
  }
});

test('an environment run refuses a tokenizer without a chat template, naming it', async () => {
  const { Tokenizer } = await import('../../src/tokenizers/index.js');
  const { episodeSourceOf } = await import('../../src/trainers/online/setup.js');
  const c = RunConfig.parse({ model: { name_or_path: 'examples/models/arith-tiny' }, training: { algorithm: 'grpo', per_device_train_batch_size: 8 }, data: { dataset_path: 'd.jsonl' }, environment: { name: 'calculator' } });
  await assert.rejects(episodeSourceOf(c, Tokenizer.fromPretrained('examples/models/arith-tiny')), /environment: the tokenizer \(examples\/models\/arith-tiny\) has no chat template/);
});
