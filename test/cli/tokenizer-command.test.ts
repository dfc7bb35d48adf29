/** `rlhf tokenizer train`: writes a loadable tokenizer directory; bad input fails on one line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TOKENIZER_DIR } from '../tokenizers/fixtures.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const rlhf = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const corpus = join(TOKENIZER_DIR, 'bpe', 'corpus.txt');

test('rlhf tokenizer train writes tokenizer.json and tokenizer_config.json and checks them', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tokenizer-cli-')), 'tok');
  const r = rlhf('tokenizer', 'train', '--vocab-size', '400', '--min-frequency', '2', '--chat-template', 'chatml', '--eos-token', '<|im_end|>', '--out', out, corpus);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /99 sequences/);
  assert.match(r.stdout, /vocabulary 400, 140 merges/);
  assert.match(r.stdout, /loads and round-trips/);
  assert.ok(existsSync(join(out, 'tokenizer.json')));
  const config = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config['eos_token'], '<|im_end|>');
  assert.equal(config['pad_token'], '<|pad|>');
  assert.match(String(config['chat_template']), /<\|im_start\|>/);
});

test('rlhf tokenizer train explains bad input on one line', () => {
  const small = rlhf('tokenizer', 'train', '--vocab-size', '100', '--out', join(tmpdir(), 'never'), corpus);
  assert.equal(small.status, 1, small.stderr);
  assert.match(small.stderr, /^rlhf: vocab size 100 is smaller than the 256 byte symbols plus 4 special tokens \(260\)/);
  const template = rlhf('tokenizer', 'train', '--vocab-size', '1000', '--special-tokens', '<|endoftext|>', '--chat-template', 'chatml', '--out', join(tmpdir(), 'never'), corpus);
  assert.match(template.stderr, /--chat-template chatml needs the special tokens <\|im_start\|>, <\|im_end\|>; add them to --special-tokens/);
  const noFiles = rlhf('tokenizer', 'train', '--vocab-size', '1000', '--out', join(tmpdir(), 'never'));
  assert.match(noFiles.stderr, /needs the files to train on/);
  assert.equal(existsSync(join(tmpdir(), 'never')), false);
});
