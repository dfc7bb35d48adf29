/**
 * `trainByteLevelTokenizer` end to end: reading .txt and .jsonl corpora as HF does, the
 * tokenizer_config.json roles and chat template, loading through `Tokenizer.fromPretrained`,
 * round trips over English, Chinese and emoji, and the errors for bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCorpus } from '../../src/tokenizers/bpe/corpus.js';
import { CHATML_TEMPLATE, saveTokenizerFiles, Tokenizer, trainByteLevelTokenizer } from '../../src/tokenizers/index.js';
import { TOKENIZER_DIR } from './fixtures.js';

const CORPUS = join(TOKENIZER_DIR, 'bpe', 'corpus.txt');
const tmp = mkdtempSync(join(tmpdir(), 'train-tokenizer-'));
const file = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

async function collect(files: string[], textFields?: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const text of readCorpus(files, textFields ? { textFields } : {})) out.push(text);
  return out;
}

describe('readCorpus', () => {
  it('keeps line endings of .txt lines, as Tokenizer.train(files) does', async () => {
    const path = file('lines.txt', '\ufeffone\r\ntwo\n\nlast');
    assert.deepEqual(await collect([path]), ['\ufeffone\r\n', 'two\n', '\n', 'last']);
  });

  it('takes the named fields of .jsonl records, each one sequence', async () => {
    const path = file('records.jsonl', '{"prompt":"p1","response":"r1"}\n\n{"prompt":"p2","response":"r2","other":1}\n');
    assert.deepEqual(await collect([path], ['prompt', 'response']), ['p1', 'r1', 'p2', 'r2']);
  });

  it('names the file, the line and the fields a record lacks', async () => {
    const path = file('no-text.jsonl', '{"text":"ok"}\n{"prompt":"p","response":"r"}\n');
    await assert.rejects(collect([path]), /no-text\.jsonl:2: no 'text' field; the record has prompt, response\. Pick the text fields with --text-field/);
  });
});

describe('trainByteLevelTokenizer', () => {
  const specialTokens = ['<|endoftext|>', '<|pad|>', '<|im_start|>', '<|im_end|>'];
  const trained = trainByteLevelTokenizer([CORPUS], { vocabSize: 500, specialTokens, eosToken: '<|im_end|>', chatTemplate: CHATML_TEMPLATE, modelMaxLength: 512 });
  const dir = join(tmp, 'tok');

  it('writes a directory Tokenizer.fromPretrained loads, special tokens first', async () => {
    saveTokenizerFiles(dir, (await trained).files);
    const tok = Tokenizer.fromPretrained(dir);
    assert.equal(tok.vocabSize, 500);
    assert.deepEqual(specialTokens.map((t) => tok.tokenToId(t)), [0, 1, 2, 3]);
    assert.equal(tok.eosTokenId, 3);
    assert.equal(tok.padTokenId, 1);
    assert.equal(tok.bosToken, null);
    assert.equal(tok.modelMaxLength, 512);
    assert.deepEqual(tok.allSpecialIds, [0, 1, 2, 3]);
  });

  it('round-trips English, Chinese, emoji and whitespace', () => {
    const tok = Tokenizer.fromPretrained(dir);
    for (const text of ['Direct Preference Optimization', '奖励模型在人类偏好对上训练', '🙂👨‍👩‍👧🇫🇷 ok', ' \t\r\n  x  ', 'never seen: ẞ ŉ ǅ 𝔘']) {
      assert.equal(tok.decode(tok.encode(text)), text);
    }
    // Learned merges make known text shorter than its bytes.
    assert.ok(tok.encode('the reward model').length < 'the reward model'.length / 2);
  });

  it('renders the chat template with the special tokens as single ids', () => {
    const tok = Tokenizer.fromPretrained(dir);
    const ids = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    assert.equal(ids[0], 2);
    assert.equal(ids.filter((id) => id === 3).length, 1);
  });

  it('reports its corpus', async () => {
    const { corpus } = await trained;
    assert.equal(corpus.sequences, 99);
    assert.deepEqual(corpus, { sequences: 99, words: 1151, distinctWords: 383 });
  });
});

describe('trainByteLevelTokenizer errors say what and how to fix', () => {
  it('refuses a vocab size below the byte alphabet plus special tokens', async () => {
    await assert.rejects(trainByteLevelTokenizer([CORPUS], { vocabSize: 259 }), /vocab size 259 is smaller than the 256 byte symbols plus 4 special tokens \(260\).*ask for more than 260/);
  });

  it('refuses a missing file before reading any', async () => {
    await assert.rejects(trainByteLevelTokenizer([CORPUS, join(tmp, 'missing.txt')], { vocabSize: 1000 }), /missing\.txt: no such file/);
  });

  it('refuses an empty corpus', async () => {
    const empty = file('empty.jsonl', '{"text":""}\n');
    await assert.rejects(trainByteLevelTokenizer([empty], { vocabSize: 1000 }), /no text to train on: .*empty\.jsonl hold 1 sequences, all empty/);
  });

  it('refuses a role token that is not a special token', async () => {
    await assert.rejects(trainByteLevelTokenizer([CORPUS], { vocabSize: 1000, bosToken: '<s>' }), /bosToken "<s>" is not one of the special tokens/);
  });

  it('refuses an unknown file type', async () => {
    await assert.rejects(trainByteLevelTokenizer([file('notes.csv', 'a,b\n')], { vocabSize: 1000 }), /notes\.csv: unknown extension '\.csv'/);
  });
});
