/**
 * The byte-level tokenizer: exact byte ids, UTF-8 round trips in several scripts, special
 * tokens matched in text, the shared batch and chat-template behaviour, and its options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteTokenizer, type TextTokenizer } from '../../src/tokenizers/index.js';

const tok = new ByteTokenizer();

describe('ByteTokenizer encode/decode', () => {
  it('uses the UTF-8 bytes as ids', () => {
    assert.deepEqual(tok.encode('Hi'), [72, 105]);
    assert.deepEqual(tok.encode('é'), [0xc3, 0xa9]);
    assert.deepEqual(tok.encode('你'), [0xe4, 0xbd, 0xa0]);
    assert.deepEqual(tok.encode('🙂'), [0xf0, 0x9f, 0x99, 0x82]);
    assert.deepEqual(tok.encode(''), []);
  });

  for (const text of ['Hello, world!', '我喜欢机器学习。', 'emoji 🙂👍🏽 and café naïve', 'tabs\tand\nnewlines\r\n', '\uFEFFleading BOM', 'Ω≈ç√∫ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢']) {
    it(`round-trips ${JSON.stringify(text)}`, () => {
      const ids = tok.encode(text);
      assert.equal(ids.length, new TextEncoder().encode(text).length);
      assert.equal(tok.decode(ids), text);
    });
  }

  it('matches special tokens written in the text', () => {
    assert.deepEqual(tok.encode('a<|im_end|>b<|endoftext|>'), [97, 259, 98, 256]);
    assert.equal(tok.decode([97, 259, 98, 256]), 'a<|im_end|>b<|endoftext|>');
    assert.equal(tok.decode([97, 259, 98, 256], { skipSpecialTokens: true }), 'ab');
  });

  it('decodes invalid UTF-8 to U+FFFD and skips ids past the vocabulary', () => {
    assert.equal(tok.decode([0xf0, 0x9f]), '\uFFFD');
    assert.equal(tok.decode([104, 300, 105]), 'hi');
    assert.throws(() => tok.decode([-3]), /-3 is not a token id/);
  });

  it('keeps a multi-byte character split across a special token as two broken halves', () => {
    // Bytes on either side of a special token are decoded separately, like HF's byte-level decoder.
    assert.equal(tok.decode([0xc3, 256, 0xa9]), '\uFFFD<|endoftext|>\uFFFD');
  });
});

describe('ByteTokenizer vocabulary and specials', () => {
  it('has 256 byte ids and 4 default specials', () => {
    assert.equal(tok.vocabSize, 260);
    assert.equal(tok.eosToken, '<|endoftext|>');
    assert.equal(tok.eosTokenId, 256);
    assert.equal(tok.padTokenId, 257);
    assert.equal(tok.bosTokenId, null);
    assert.deepEqual(tok.allSpecialIds, [256, 257, 258, 259]);
    assert.equal(tok.idToToken(65), '<0x41>');
    assert.equal(tok.tokenToId('<0x41>'), 65);
    assert.equal(tok.idToToken(259), '<|im_end|>');
    assert.equal(tok.tokenToId('<|pad|>'), 257);
    assert.equal(tok.idToToken(260), undefined);
  });

  it('adds bos/eos only when configured and asked', () => {
    const t = new ByteTokenizer({ specialTokens: ['<s>', '</s>', '<pad>'], bosToken: '<s>', eosToken: '</s>', padToken: '<pad>', addBosToken: true, addEosToken: true });
    assert.deepEqual(t.encode('a'), [256, 97, 257]);
    assert.deepEqual(t.encode('a', { addSpecialTokens: false }), [97]);
    assert.equal(t.vocabSize, 259);
    // Truncation takes tokens from the text and keeps the added bos/eos, as transformers does.
    assert.deepEqual(t.encodeBatch(['abcdef'], { truncation: true, maxLength: 4 }).inputIds, [[256, 97, 98, 257]]);
    assert.deepEqual(t.encodeBatch(['abcdef'], { truncation: true, maxLength: 4, truncationSide: 'left' }).inputIds, [[256, 101, 102, 257]]);
  });

  it('rejects inconsistent options', () => {
    assert.throws(() => new ByteTokenizer({ eosToken: '<eos>' }), /special token "<eos>" of ByteTokenizer is not in its vocabulary/);
    assert.throws(() => new ByteTokenizer({ specialTokens: ['<a>', '<a>'] }), /duplicate special tokens/);
    assert.throws(() => new ByteTokenizer({ addBosToken: true }), /addBosToken needs a bosToken/);
  });
});

describe('ByteTokenizer shares the TextTokenizer behaviour', () => {
  const asText: TextTokenizer = tok;

  it('pads batches with its pad id', () => {
    assert.deepEqual(asText.encodeBatch(['ab', 'c'], { paddingSide: 'left' }), {
      inputIds: [
        [97, 98],
        [257, 99],
      ],
      attentionMask: [
        [1, 1],
        [0, 1],
      ],
    });
  });

  it('renders ChatML and encodes its markers as special ids', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const text = asText.applyChatTemplate(messages, { addGenerationPrompt: true, tokenize: false });
    assert.equal(text, '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    const ids = asText.applyChatTemplate(messages, { addGenerationPrompt: true });
    assert.deepEqual(ids, [258, ...tok.encode('user\nhi'), 259, 10, 258, ...tok.encode('assistant\n')]);
    assert.equal(asText.decode(ids), text);
  });

  it('can go without a chat template', () => {
    const t = new ByteTokenizer({ chatTemplate: null });
    assert.throws(() => t.applyChatTemplate([{ role: 'user', content: 'x' }]), /ByteTokenizer has no chat template/);
  });
});
