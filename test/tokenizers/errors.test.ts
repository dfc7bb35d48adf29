/**
 * Loading errors name the directory and the file at fault: a missing directory, a missing
 * tokenizer.json, malformed JSON in each file, a tokenizer.json the library rejects, and bad
 * config values. Optional files may be absent.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tokenizer, TokenizerFileError } from '../../src/tokenizers/index.js';
import { TOKENIZER_DIR } from './fixtures.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary tokenizer directory with the named fixture files copied in and `extra` written. */
function tokenizerDir(copy: string[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-tok-'));
  made.push(dir);
  for (const name of copy) copyFileSync(join(TOKENIZER_DIR, name), join(dir, name));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

const fileError = (path: string, pattern: RegExp) => (e: unknown) => e instanceof TokenizerFileError && e.path === path && pattern.test(e.message);

describe('Tokenizer.fromPretrained errors', () => {
  it('names a directory that does not exist', () => {
    const dir = join(tmpdir(), 'rlhf-no-such-tokenizer-dir');
    assert.throws(() => Tokenizer.fromPretrained(dir), fileError(dir, /^Tokenizer directory .*rlhf-no-such-tokenizer-dir does not exist$/));
  });

  it('names the directory and the missing tokenizer.json, and lists what is there', () => {
    const dir = tokenizerDir(['tokenizer_config.json']);
    assert.throws(
      () => Tokenizer.fromPretrained(dir),
      fileError(join(dir, 'tokenizer.json'), new RegExp(`^Tokenizer directory ${escape(dir)} is missing tokenizer\\.json .*it holds: tokenizer_config\\.json$`)),
    );
  });

  it('names a tokenizer.json that is not JSON', () => {
    const dir = tokenizerDir(['tokenizer_config.json'], { 'tokenizer.json': '{"model": ' });
    const path = join(dir, 'tokenizer.json');
    assert.throws(() => Tokenizer.fromPretrained(dir), fileError(path, new RegExp(`^Malformed tokenizer file ${escape(path)}: .*JSON`)));
  });

  it('names a tokenizer.json the tokenizer library rejects', () => {
    const dir = tokenizerDir([], { 'tokenizer.json': '{"version": "1.0"}' });
    const path = join(dir, 'tokenizer.json');
    assert.throws(() => Tokenizer.fromPretrained(dir), fileError(path, new RegExp(`^Malformed tokenizer file ${escape(path)}: .*model`)));
  });

  it('names a tokenizer.json that is JSON but not an object', () => {
    const dir = tokenizerDir([], { 'tokenizer.json': '[1, 2]' });
    const path = join(dir, 'tokenizer.json');
    assert.throws(() => Tokenizer.fromPretrained(dir), fileError(path, /expected a JSON object, got an array$/));
  });

  it('names a malformed tokenizer_config.json and special_tokens_map.json', () => {
    const bad = tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': '{ eos_token: x }' });
    assert.throws(() => Tokenizer.fromPretrained(bad), fileError(join(bad, 'tokenizer_config.json'), /^Malformed tokenizer file .*tokenizer_config\.json: /));
    const badMap = tokenizerDir(['tokenizer.json', 'tokenizer_config.json'], { 'special_tokens_map.json': '' });
    assert.throws(() => Tokenizer.fromPretrained(badMap), fileError(join(badMap, 'special_tokens_map.json'), /special_tokens_map\.json: /));
  });

  it('quotes a bad config value', () => {
    const dir = tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': '{"padding_side": "middle"}' });
    assert.throws(() => Tokenizer.fromPretrained(dir), /tokenizer_config\.json: padding_side must be "left" or "right", got "middle"/);
  });

  it('refuses a special token that is not in the vocabulary', () => {
    const dir = tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': '{"eos_token": "</s>"}' });
    assert.throws(() => Tokenizer.fromPretrained(dir), /special token "<\/s>" of .* is not in its vocabulary/);
  });

  it('loads with tokenizer.json alone, with no special tokens or chat template', () => {
    const dir = tokenizerDir(['tokenizer.json']);
    const tok = Tokenizer.fromPretrained(dir);
    assert.deepEqual(tok.encode('Hello'), [382]);
    assert.equal(tok.eosTokenId, null);
    assert.equal(tok.modelMaxLength, Infinity);
    assert.throws(() => tok.applyChatTemplate([{ role: 'user', content: 'x' }]), /has no chat template .*pass \{ chatTemplate \}/);
  });

  it('prefers chat_template.jinja, and a legacy special_tokens_map.json, over tokenizer_config.json', () => {
    // Checked with transformers 5.18: special_tokens_map.json only counts when the config has no added_tokens_decoder.
    const map = '{"eos_token": {"content": "<|endoftext|>", "lstrip": false}}';
    const modern = Tokenizer.fromPretrained(tokenizerDir(['tokenizer.json', 'tokenizer_config.json'], { 'chat_template.jinja': '{{ eos_token }}', 'special_tokens_map.json': map }));
    assert.equal(modern.eosTokenId, 2);
    assert.equal(modern.applyChatTemplate([{ role: 'user', content: 'x' }], { tokenize: false }), '<|im_end|>');
    const legacyConfig = { eos_token: '<|im_end|>', pad_token: '<|pad|>' };
    const legacy = Tokenizer.fromPretrained(tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': JSON.stringify(legacyConfig), 'special_tokens_map.json': map }));
    assert.equal(legacy.eosTokenId, 0);
    assert.equal(legacy.padTokenId, 3);
  });

  it('reads named chat templates and picks tool_use when tools are given, as transformers does', () => {
    const named = (names: string[]) => JSON.stringify({ chat_template: names.map((name) => ({ name, template: `${name}:{{ messages | length }}` })) });
    const tok = Tokenizer.fromPretrained(tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': named(['default', 'tool_use']) }));
    const user = [{ role: 'user', content: 'x' }];
    assert.equal(tok.applyChatTemplate(user, { tokenize: false }), 'default:1');
    assert.equal(tok.applyChatTemplate(user, { tools: [], tokenize: false }), 'tool_use:1');
    assert.equal(tok.applyChatTemplate(user, { chatTemplate: 'tool_use', tokenize: false }), 'tool_use:1');
    const noDefault = Tokenizer.fromPretrained(tokenizerDir(['tokenizer.json'], { 'tokenizer_config.json': named(['rag', 'tool_use']) }));
    assert.throws(() => noDefault.applyChatTemplate(user), /several chat templates and none named 'default'; pass \{ chatTemplate \} with one of: rag, tool_use/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
