/**
 * Character tokenizers written as HF tokenizer files: exact ids for the arithmetic model's
 * vocabulary (examples/models/arith-tiny, loaded the way training loads it), round trips,
 * special tokens, and the committed files matching their generator. The ids below are also
 * what HF tokenizers 0.23.2 and transformers 5.18 give for examples/models/arith-tiny.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arithTinyFiles } from '../../examples/models/make-arith-tiny.js';
import { characterTokenizerFiles, Tokenizer } from '../../src/tokenizers/index.js';
import { tokenizeSft } from '../../src/data/index.js';

const DIR = 'examples/models/arith-tiny';
const tok = Tokenizer.fromPretrained(DIR);

describe('the arith-tiny tokenizer', () => {
  it('gives digits their own value as id, then + - = space newline, then <|endoftext|> and <|pad|>', () => {
    assert.deepEqual(tok.encode('0123456789'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(tok.encode('12+7='), [1, 2, 10, 7, 12]);
    assert.deepEqual(tok.encode('58-67='), [5, 8, 11, 6, 7, 12]);
    assert.deepEqual(tok.encode('125'), [1, 2, 5]);
    assert.deepEqual(tok.encode(' \n'), [13, 14]);
    assert.deepEqual(tok.encode('19<|endoftext|><|pad|>'), [1, 9, 15, 16]);
    assert.equal(tok.eosToken, '<|endoftext|>');
    assert.equal(tok.eosTokenId, 15);
    assert.equal(tok.padToken, '<|pad|>');
    assert.equal(tok.padTokenId, 16);
    assert.equal(tok.bosTokenId, null);
    assert.equal(tok.vocabSize, 17);
    assert.deepEqual(tok.allSpecialIds, [15, 16]);
    assert.equal(tok.chatTemplate, null);
    assert.equal(tok.modelMaxLength, 32);
  });

  it('round-trips task text and drops special tokens on request', () => {
    for (const text of ['12+7=', '19', '99-99=0', '0+0=', ' 3 + 4 =\n7']) assert.equal(tok.decode(tok.encode(text)), text);
    assert.equal(tok.decode([1, 9, 15]), '19<|endoftext|>');
    assert.equal(tok.decode([1, 9, 15, 16, 16], { skipSpecialTokens: true }), '19');
  });

  it('drops characters outside the vocabulary, as HF BPE does without an unk token', () => {
    assert.deepEqual(tok.encode('1a2'), [1, 2]);
  });

  it('tokenizes an SFT record without a chat template: raw prompt, then the answer and EOS as completion', () => {
    const ex = tokenizeSft(tok, { kind: 'sft', prompt: '12+7=', response: '19' }, { chatTemplate: 'never' });
    assert.deepEqual(ex.inputIds, [1, 2, 10, 7, 12, 1, 9, 15]);
    assert.deepEqual(ex.completionMask, [0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('matches the model config: vocab, eos and pad ids', () => {
    const config = JSON.parse(readFileSync(join(DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config['vocab_size'], tok.vocabSize);
    assert.equal(config['eos_token_id'], tok.eosTokenId);
    assert.equal(config['pad_token_id'], tok.padTokenId);
  });

  it('the committed files are what examples/models/make-arith-tiny.ts writes', () => {
    for (const [name, value] of Object.entries(arithTinyFiles())) {
      assert.equal(readFileSync(join(DIR, name), 'utf8'), `${JSON.stringify(value, null, 2)}\n`, `${DIR}/${name} is stale: node dist/examples/models/make-arith-tiny.js`);
    }
  });
});

describe('characterTokenizerFiles', () => {
  it('places special tokens after the characters and defaults eos/pad to the first two', () => {
    const files = characterTokenizerFiles({ characters: 'ab', specialTokens: ['<e>', '<p>', '<x>'] });
    const t = Tokenizer.fromJson(files['tokenizer.json'], files['tokenizer_config.json']);
    assert.deepEqual(t.encode('ba<x>'), [1, 0, 4]);
    assert.equal(t.eosTokenId, 2);
    assert.equal(t.padTokenId, 3);
    const noPad = characterTokenizerFiles({ characters: 'ab', specialTokens: ['<e>'], padToken: null });
    assert.equal(Tokenizer.fromJson(noPad['tokenizer.json'], noPad['tokenizer_config.json']).padTokenId, null);
  });

  it('refuses duplicates, empty vocabularies and eos/pad tokens that are not special tokens', () => {
    assert.throws(() => characterTokenizerFiles({ characters: 'aba', specialTokens: ['<e>'] }), /"a" appears twice/);
    assert.throws(() => characterTokenizerFiles({ characters: 'ab', specialTokens: ['a'] }), /"a" appears twice/);
    assert.throws(() => characterTokenizerFiles({ characters: '', specialTokens: ['<e>'] }), /no characters/);
    assert.throws(() => characterTokenizerFiles({ characters: 'ab', specialTokens: ['<e>'], eosToken: '<z>' }), /eosToken "<z>" is not one of the special tokens/);
  });
});
