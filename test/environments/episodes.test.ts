/**
 * Episodes with a scripted policy: exact token-by-token loss masks (the model's turns 1, the
 * environment's tool messages and template scaffolding 0), the turn limit and the token budget;
 * and with a sampling model, log-probs over the whole episode that equal a fresh forward on the
 * model's tokens.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { calculatorEnvironment, environmentSuffixIds, runEpisodes, type EnvironmentFactory } from '../../src/environments/index.js';
import { fromPretrained, type CausalLm, type CausalLmInput } from '../../src/models/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';
import { sampleOnline } from '../../src/trainers/online/episode-rollout.js';
import { completionLogps } from '../../src/trainers/online/rollout.js';

const template = readFileSync('test/fixtures/tools/qwen2_5.jinja', 'utf8');
const golden = JSON.parse(readFileSync('test/fixtures/tools/qwen25_tools.json', 'utf8')) as { suffixes: { ids: number[] }[] };
const tokenizer = Tokenizer.fromPretrained('test/fixtures/models/tiny-qwen2', { chatTemplate: template });
const EOS = 2;
const PAD = 3;
const V = 512;
const enc = (text: string) => tokenizer.encode(text, { addSpecialTokens: false });
const prompt = tokenizer.applyChatTemplate([{ role: 'user', content: '12*34=' }], { addGenerationPrompt: true, tokenize: true });
const CALL = [...enc('<tool_call>\n{"name": "calculator", "arguments": {"expression": "12*34"}}\n</tool_call>'), EOS];
const ANSWER = [...enc('408'), EOS];
const TOOL_408 = golden.suffixes[0]!.ids; // TRL's tokens after a call answered "408"

/**
 * A policy that writes `script` after the prompt, one token per step, whatever the environment
 * inserted between its turns: its context must be the prompt + the script so far (so an
 * insertion that differs from the script fails loudly).
 */
function scriptedPolicy(script: readonly number[]): CausalLm {
  return {
    config: { vocabSize: V, eosTokenId: EOS, padTokenId: PAD },
    newCache: () => { throw new Error('scripted policy: run with useCache false'); },
    forward(input: CausalLmInput): { logits: Tensor; hiddenStates: Tensor } {
      const ids = input.inputIds!.toArray() as number[][];
      const mask = input.attentionMask!.toArray() as number[][];
      const logits = ids.map((row, b) => {
        const context = row.filter((_, t) => mask[b]![t] === 1);
        const done = context.length - prompt.length;
        assert.deepEqual(context, [...prompt, ...script.slice(0, done)], `context after ${done} tokens differs from the script`);
        const next = script[done];
        if (next === undefined) throw new Error('scripted policy: asked past its script');
        return [Array.from({ length: V }, (_, v) => (v === next ? 30 : 0))];
      });
      return { logits: tensor(logits, { dtype: 'float32' }), hiddenStates: tensor(ids.map(() => [[0]]), { dtype: 'float32' }) };
    },
  };
}

const generation = { maxNewTokens: 200, padTokenId: PAD, eosTokenId: EOS, useCache: false, doSample: false };
const ones = (n: number) => Array<number>(n).fill(1);
const zeros = (n: number) => Array<number>(n).fill(0);

test('episode: a tool call, the tool result, the answer — loss mask 1 on the model\'s tokens, 0 on the environment\'s, token by token', async () => {
  const script = [...CALL, ...TOOL_408, ...ANSWER];
  const [e] = await runEpisodes(scriptedPolicy(script), tokenizer, [{ ids: prompt, reference: '408' }], calculatorEnvironment(), generation, { maxTurns: 4, maxEpisodeTokens: 1024 });
  assert.deepEqual(e!.completionIds, script);
  assert.deepEqual(e!.lossMask, [...ones(CALL.length), ...zeros(TOOL_408.length), ...ones(ANSWER.length)]);
  assert.deepEqual(e!.finalTurnIds, ANSWER);
  assert.deepEqual({ reward: e!.reward, turns: e!.turns, toolCalls: e!.toolCalls, toolErrors: e!.toolErrors, truncated: e!.truncated, turnLimit: e!.turnLimit },
    { reward: 1, turns: 2, toolCalls: 1, toolErrors: 0, truncated: false, turnLimit: false });
  // Environment tokens have log-prob 0; the model's are its own (≈ 0 for a logit margin of 30).
  e!.logps.forEach((lp, t) => (e!.lossMask[t] === 0 ? assert.equal(lp, 0) : assert.ok(lp <= 0 && lp > -1e-6)));

  // As a rollout batch: the completion mask is the loss mask; the attention mask covers every token.
  const rollout = await sampleOnline(scriptedPolicy(script), [{ ids: prompt, reference: '408' }], generation, (fn) => fn(),
    { factory: calculatorEnvironment(), tokenizer, limits: { maxTurns: 4, maxEpisodeTokens: 1024 } });
  tidy(() => {
    assert.deepEqual((rollout.batch.completionMask.toArray() as number[][])[0], e!.lossMask);
    assert.deepEqual((rollout.batch.attentionMask.toArray() as number[][])[0], ones(prompt.length + script.length));
    assert.deepEqual((rollout.batch.completionIds.toArray() as number[][])[0], script);
  });
  assert.deepEqual({ env: rollout.environmentRewards, answers: rollout.answers, truncated: rollout.truncated }, { env: [1], answers: [ANSWER], truncated: [false] });
});

test('episode: a malformed call gets an error tool message (masked 0) and counts as a tool error', async () => {
  const bad = [...enc('<tool_call>\n{"name": "calculator", "arguments": {"expression": 12}}\n</tool_call>'), EOS];
  const error = environmentSuffixIds(tokenizer, [{ role: 'tool', name: 'calculator', content: '{"error":"invalid arguments for calculator: expression: Invalid input: expected string, received number"}' }]);
  const script = [...bad, ...error, ...CALL, ...TOOL_408, ...ANSWER];
  const [e] = await runEpisodes(scriptedPolicy(script), tokenizer, [{ ids: prompt, reference: '408' }], calculatorEnvironment(), generation, { maxTurns: 4, maxEpisodeTokens: 1024 });
  assert.deepEqual(e!.lossMask, [...ones(bad.length), ...zeros(error.length), ...ones(CALL.length), ...zeros(TOOL_408.length), ...ones(ANSWER.length)]);
  assert.deepEqual({ reward: e!.reward, turns: e!.turns, toolCalls: e!.toolCalls, toolErrors: e!.toolErrors }, { reward: 1, turns: 3, toolCalls: 2, toolErrors: 1 });
});

test('episode: the turn limit stops a model that keeps calling the tool, with no tool message after its last turn', async () => {
  const script = [...CALL, ...TOOL_408, ...CALL];
  const [e] = await runEpisodes(scriptedPolicy(script), tokenizer, [{ ids: prompt, reference: '408' }], calculatorEnvironment(), generation, { maxTurns: 2, maxEpisodeTokens: 1024 });
  assert.deepEqual(e!.completionIds, script);
  assert.deepEqual(e!.lossMask, [...ones(CALL.length), ...zeros(TOOL_408.length), ...ones(CALL.length)]);
  assert.deepEqual({ reward: e!.reward, turns: e!.turns, toolCalls: e!.toolCalls, truncated: e!.truncated, turnLimit: e!.turnLimit },
    { reward: 0, turns: 2, toolCalls: 2, truncated: false, turnLimit: true });
});

test('episode: the token budget cuts a turn, drops a tool message that does not fit, and max_new_tokens cuts a turn', async () => {
  const script = [...CALL, ...TOOL_408, ...ANSWER];
  const run = (maxEpisodeTokens: number, maxNewTokens = 200) =>
    runEpisodes(scriptedPolicy(script), tokenizer, [{ ids: prompt, reference: '408' }], calculatorEnvironment(), { ...generation, maxNewTokens }, { maxTurns: 4, maxEpisodeTokens });
  // The answer's turn gets one token less than it needs: cut, truncated, unscored.
  const budget = CALL.length + TOOL_408.length + ANSWER.length - 1;
  const [cut] = await run(budget);
  assert.equal(cut!.completionIds.length, budget);
  assert.deepEqual(cut!.lossMask, [...ones(CALL.length), ...zeros(TOOL_408.length), ...ones(ANSWER.length - 1)]);
  assert.deepEqual({ truncated: cut!.truncated, reward: cut!.reward, turns: cut!.turns }, { truncated: true, reward: 0, turns: 2 });
  // The tool message would leave no token for the next turn: the episode ends after the call.
  const [dropped] = await run(CALL.length + TOOL_408.length);
  assert.deepEqual(dropped!.completionIds, CALL);
  assert.deepEqual({ truncated: dropped!.truncated, turns: dropped!.turns, toolCalls: dropped!.toolCalls }, { truncated: true, turns: 1, toolCalls: 1 });
  // generation.max_new_tokens bounds each turn.
  const [short] = await run(1024, 5);
  assert.deepEqual(short!.completionIds, CALL.slice(0, 5));
  assert.deepEqual({ truncated: short!.truncated, toolCalls: short!.toolCalls }, { truncated: true, toolCalls: 0 });
  await assert.rejects(run(0), /maxEpisodeTokens must be an integer >= 1, got 0/);
});

/** Answers every turn with a tool message and never ends: episodes end at the turn limit or budget. */
const echoEnvironment: EnvironmentFactory = {
  name: 'echo',
  tools: [],
  create: () => ({ reset() {}, step: (text: string) => ({ messages: [{ role: 'tool', name: 'echo', content: `you said ${text.length} characters` }], reward: 0.5, done: false, toolCalls: 1 }) }),
};

test('episode rollout of a sampling model: generation log-probs equal a fresh forward over the whole episode on the model\'s tokens', async () => {
  const policy = fromPretrained('test/fixtures/models/tiny-qwen2');
  // Many ids end a turn, so the random model's turns end early and episodes have several.
  const ends = Array.from({ length: 120 }, (_, i) => i * 4 + 2);
  const rollout = await sampleOnline(policy, [{ ids: prompt }, { ids: prompt.slice(3) }], { maxNewTokens: 8, padTokenId: PAD, eosTokenId: ends, doSample: true, temperature: 1, seed: 5, numReturnSequences: 2 }, (fn) => fn(),
    { factory: echoEnvironment, tokenizer, limits: { maxTurns: 3, maxEpisodeTokens: 120 } });
  const masks = rollout.lossMasks!;
  assert.ok(masks.some((m) => m.includes(0)), 'some episode has environment tokens');
  tidy(() => noGrad(() => {
    const fresh = completionLogps(policy, rollout.batch).toArray() as number[][];
    const gen = rollout.batch.generationLogps.toArray() as number[][];
    let maxDiff = 0;
    masks.forEach((m, i) => m.forEach((keep, t) => {
      if (keep === 1) maxDiff = Math.max(maxDiff, Math.abs(fresh[i]![t]! - gen[i]![t]!));
      else assert.equal(fresh[i]![t], 0, 'environment tokens count for nothing');
    }));
    assert.ok(maxDiff < 1e-4, `max |Δ| ${maxDiff}`);
  }));
  // Rewards: the environment's 0.5 per turn it answered.
  rollout.episodes!.forEach((s, i) => assert.equal(rollout.environmentRewards![i], 0.5 * (s.turns - (rollout.truncated[i] ? 1 : 0))));
});

test('episode: generation.max_batch_size decodes a turn in chunks with the same episodes', async () => {
  const script = [...CALL, ...TOOL_408, ...ANSWER];
  const run = (maxBatchSize?: number) => runEpisodes(scriptedPolicy(script), tokenizer, [{ ids: prompt, reference: '408' }], calculatorEnvironment(),
    { ...generation, numReturnSequences: 3 }, { maxTurns: 4, maxEpisodeTokens: 1024 }, (fn) => fn(), maxBatchSize === undefined ? {} : { maxBatchSize });
  const [whole, chunked] = [await run(), await run(2)];
  assert.equal(chunked.length, 3);
  assert.deepEqual(chunked, whole);
});
