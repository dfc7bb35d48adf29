/**
 * The Hugging Face tokenizer against golden encodings made by HF tokenizers 0.23.2:
 * exact ids and tokens of every case (English, Chinese, mixed, digits, whitespace, emoji and
 * accents, contractions, literal special tokens), decoding, and the special-token settings
 * of tokenizer_config.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tokenizer } from '../../src/tokenizers/index.js';
import { goldenTokenizer, TOKENIZER_DIR } from './fixtures.js';

const tok = Tokenizer.fromPretrained(TOKENIZER_DIR);
const golden = goldenTokenizer();

describe('Tokenizer.encode matches HF tokenizers', () => {
  for (const c of golden.cases) {
    it(`encodes ${JSON.stringify(c.text)}`, () => {
      const ids = tok.encode(c.text);
      assert.deepEqual(ids, c.ids);
      assert.deepEqual(
        ids.map((id) => tok.idToToken(id)),
        c.tokens,
      );
      // No BOS/EOS is added by this tokenizer, so both settings agree.
      assert.deepEqual(tok.encode(c.text, { addSpecialTokens: false }), c.ids);
    });
  }

  it('covers the kinds of text the fixtures promise', () => {
    const texts = golden.cases.map((c) => c.text).join(' ');
    for (const needle of ['我喜欢', '2024', '\t', '\n', '🙂', 'café', "they'll", '<|im_start|>']) {
      assert.ok(texts.includes(needle), `no golden case contains ${JSON.stringify(needle)}`);
    }
  });
});

describe('Tokenizer.decode', () => {
  for (const c of golden.cases) {
    it(`decodes ${JSON.stringify(c.text)} back to HF's text`, () => {
      assert.equal(tok.decode(c.ids), c.decoded);
      assert.equal(tok.decode(tok.encode(c.text)), c.text);
    });
  }

  it('drops special tokens with skipSpecialTokens', () => {
    const ids = tok.encode('<|im_start|>user\nhi<|im_end|>\n<|pad|>');
    assert.deepEqual(ids, [1, 413, 202, 75, 76, 2, 202, 3]);
    assert.equal(tok.decode(ids), '<|im_start|>user\nhi<|im_end|>\n<|pad|>');
    assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'user\nhi\n');
  });

  it('returns the empty string for no ids', () => {
    assert.equal(tok.decode([]), '');
  });

  it('skips ids past the vocabulary, as HF does, and rejects non-ids', () => {
    assert.equal(tok.decode([382, 512, 99999, 285]), 'Hello w');
    assert.throws(() => tok.decode([-1]), /decode: -1 is not a token id/);
    assert.throws(() => tok.decode([1.5]), /decode: 1.5 is not a token id/);
  });

  it('replaces an incomplete UTF-8 sequence with U+FFFD', () => {
    // 🙂 is 4 bytes (ids 176 257 251 228); its first two alone are invalid UTF-8.
    assert.equal(tok.decode([176, 257, 251, 228]), '🙂');
    assert.equal(tok.decode([176, 257]), '\uFFFD');
  });
});

describe('Tokenizer special tokens and vocabulary', () => {
  it('reads eos/pad/bos and the additional tokens from the config files', () => {
    assert.equal(tok.eosToken, '<|im_end|>');
    assert.equal(tok.eosTokenId, 2);
    assert.equal(tok.padToken, '<|pad|>');
    assert.equal(tok.padTokenId, 3);
    assert.equal(tok.bosToken, null);
    assert.equal(tok.bosTokenId, null);
    assert.deepEqual(tok.additionalSpecialTokens, ['<|im_start|>', '<|im_end|>']);
    assert.deepEqual(tok.allSpecialIds, [0, 1, 2, 3]);
  });

  it('reads padding side and model_max_length', () => {
    assert.equal(tok.paddingSide, 'right');
    assert.equal(tok.truncationSide, 'right');
    assert.equal(tok.modelMaxLength, 256);
  });

  it('has 512 ids: 256 bytes + 4 specials + 252 merges', () => {
    assert.equal(tok.vocabSize, 512);
    assert.equal(tok.idToToken(511) !== undefined, true);
    assert.equal(tok.idToToken(512), undefined);
  });

  it('maps tokens to ids and back', () => {
    assert.equal(tok.tokenToId('<|endoftext|>'), 0);
    assert.equal(tok.tokenToId('<|im_start|>'), 1);
    assert.equal(tok.tokenToId('Hello'), 382);
    assert.equal(tok.tokenToId('Ġ'), 224);
    assert.equal(tok.tokenToId('not-a-token'), undefined);
    assert.equal(tok.idToToken(382), 'Hello');
    assert.equal(tok.idToToken(3), '<|pad|>');
  });

  it('lets overrides replace the files’ settings', () => {
    const left = Tokenizer.fromPretrained(TOKENIZER_DIR, { paddingSide: 'left', padToken: '<|endoftext|>', modelMaxLength: 8 });
    assert.equal(left.paddingSide, 'left');
    assert.equal(left.padTokenId, 0);
    assert.equal(left.modelMaxLength, 8);
    assert.equal(left.eosTokenId, 2);
  });
});
