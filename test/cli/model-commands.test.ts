/** rlhf generate and rlhf merge-lora, run as a user would. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyLora, noGrad, saveLoraAdapter, tensor, tidy } from '../../src/index.js';
import { generate } from '../../src/generation/index.js';
import { loadCausalLm } from '../../src/models/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const qwen = fileURLToPath(new URL('../../../test/fixtures/models/tiny-qwen2', import.meta.url));
const rlhf = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('rlhf generate writes JSONL completions equal to the library call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-cli-'));
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, `${JSON.stringify({ prompt: 'Hello world' })}\n${JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] })}\n`);
  const out = join(dir, 'out.jsonl');
  const r = rlhf('generate', '--model', qwen, '--prompts', prompts, '--out', out, '--max-new-tokens', '6');
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: unknown; token_ids: number[]; completion: string; logprobs: number[]; finish_reason: string });
  assert.equal(rows.length, 2);

  const tok = Tokenizer.fromPretrained(qwen);
  const lm = loadCausalLm(qwen);
  const ids = [tok.encode('Hello world'), tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })];
  const expected = generate(lm, ids, { maxNewTokens: 6 });
  rows.forEach((row, i) => {
    assert.deepEqual(row.token_ids, expected[i]?.tokenIds);
    assert.equal(row.completion, tok.decode(expected[i]?.tokenIds ?? [], { skipSpecialTokens: true }));
    assert.equal(row.logprobs.length, row.token_ids.length);
  });
  assert.equal(rows[0]?.prompt, 'Hello world');
  lm.dispose();
});

test('rlhf generate --chat-template: always (= --chat) wraps plain prompts, never refuses messages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-cli-'));
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, `${JSON.stringify({ prompt: 'Hi' })}\n`);
  const tok = Tokenizer.fromPretrained(qwen);
  const lm = loadCausalLm(qwen);
  const [expected] = generate(lm, [tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })], { maxNewTokens: 4 });
  lm.dispose();
  for (const flags of [['--chat'], ['--chat-template', 'always']]) {
    const out = join(dir, 'out.jsonl');
    const r = rlhf('generate', '--model', qwen, '--prompts', prompts, '--out', out, '--max-new-tokens', '4', ...flags);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(readFileSync(out, 'utf8').trim()) as { token_ids: number[] }).token_ids, expected?.tokenIds, flags.join(' '));
  }
  writeFileSync(prompts, `${JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] })}\n`);
  const r = rlhf('generate', '--model', qwen, '--prompts', prompts, '--chat-template', 'never');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /data\.chat_template 'never'/);
});

test('rlhf generate says what is wrong with a malformed prompts file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-cli-'));
  const prompts = join(dir, 'bad.jsonl');
  writeFileSync(prompts, '{"prompt": "ok"}\n{"oops": 1}\n');
  const r = rlhf('generate', '--model', qwen, '--prompts', prompts);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${prompts.replace(/[.]/g, '\\.')}:2: expected a "prompt" string or a "messages" array`));
});

test('rlhf merge-lora folds a PEFT adapter into the base weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-merge-'));
  const base = join(dir, 'base');
  cpSync(qwen, base, { recursive: true });
  const lm = loadCausalLm(base);
  const config = { targetModules: ['q_proj', 'v_proj', 'down_proj'], r: 4, alpha: 8 };
  applyLora(lm, config);
  noGrad(() => lm.namedParameters().forEach(([n, p]) => n.includes('lora_B') && p.normal_(0, 0.1)));
  saveLoraAdapter(lm, join(dir, 'adapter'), config);
  const ids = tensor([[5, 6, 7, 8, 9]], { dtype: 'int64' });
  const withAdapter = tidy(() => lm.forward({ inputIds: ids }).logits.flatValues() as number[]);

  const r = rlhf('merge-lora', '--base', base, '--adapter', join(dir, 'adapter'), '--out', join(dir, 'merged'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /folded r=4 adapters into 6 layers/);
  const merged = loadCausalLm(join(dir, 'merged'));
  const got = tidy(() => merged.forward({ inputIds: ids }).logits.flatValues() as number[]);
  assert.ok(Math.max(...got.map((v, i) => Math.abs(v - (withAdapter[i] as number)))) < 1e-4);
  assert.ok(merged.namedParameters().every(([n]) => !n.includes('lora')));
  Tokenizer.fromPretrained(join(dir, 'merged')); // tokenizer files travel with the merged model
  ids.dispose();
  lm.dispose();
  merged.dispose();
});

test('rlhf chat renders the conversation with the chat template and streams the reply', () => {
  const r = spawnSync(process.execPath, [cli, 'chat', '--model', qwen, '--max-new-tokens', '6'], { encoding: 'utf8', input: 'Hello\n/exit\n' });
  assert.equal(r.status, 0, r.stderr);
  const tok = Tokenizer.fromPretrained(qwen);
  const lm = loadCausalLm(qwen);
  const prompt = tok.applyChatTemplate([{ role: 'user', content: 'Hello' }], { addGenerationPrompt: true });
  const [reply] = generate(lm, [prompt], { maxNewTokens: 6 }, { decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }) });
  assert.ok(r.stdout.includes(`assistant> ${reply?.text ?? ''}\n`), r.stdout);
  lm.dispose();
});
