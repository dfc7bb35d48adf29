/**
 * The byte-level BPE trainer against Python `tokenizers` 0.23.2 trained with the same settings
 * on test/fixtures/tokenizer/bpe/corpus.txt (make_golden_bpe.py): the whole tokenizer.json
 * byte for byte, vocab and merges of a run cut short by min_frequency, tie order, GPT-2
 * pre-tokenization of awkward whitespace, and held-out ids through the project's loader.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { byteLevelPieces, toByteLevel } from '../../src/tokenizers/bpe/byte-level.js';
import { saveTokenizerFiles, stringifyTokenizerJson, Tokenizer, trainBpe, trainByteLevelTokenizer } from '../../src/tokenizers/index.js';
import { TOKENIZER_DIR } from './fixtures.js';

const BPE_DIR = join(TOKENIZER_DIR, 'bpe');
const CORPUS = join(BPE_DIR, 'corpus.txt');

interface Case {
  settings: { vocab_size: number; min_frequency: number; special_tokens: string[]; sequences?: string[] };
  vocab: string[];
  merges: [string, string][];
}
interface Golden {
  main: { settings: Case['settings']; held_out: { text: string; ids: number[] }[] };
  min_frequency: Case;
  ties: Case;
  pieces: { text: string; pieces: string[] }[];
}
const golden = JSON.parse(readFileSync(join(BPE_DIR, 'golden_bpe.json'), 'utf8')) as Golden;

const train = (c: Case['settings']) =>
  trainByteLevelTokenizer([CORPUS], { vocabSize: c.vocab_size, minFrequency: c.min_frequency, specialTokens: c.special_tokens });

describe('byte-level BPE training matches Python tokenizers', () => {
  it('writes the tokenizer.json Python writes, byte for byte', async () => {
    const trained = await train(golden.main.settings);
    assert.equal(stringifyTokenizerJson(trained.files['tokenizer.json']), readFileSync(join(BPE_DIR, 'python_tokenizer.json'), 'utf8'));
    assert.equal(trained.model.vocab.length, 600);
    assert.equal(trained.model.stopReason, 'vocab-size');
  });

  it('stops where Python does under min_frequency, with the same vocab and merges', async () => {
    const c = golden.min_frequency;
    const { model } = await train(c.settings);
    assert.equal(model.stopReason, 'min-frequency');
    assert.ok(model.vocab.length < c.settings.vocab_size);
    assert.deepEqual(model.vocab, c.vocab);
    assert.deepEqual(model.merges, c.merges);
  });

  it('breaks count ties by pair ids, whatever the corpus order', () => {
    const c = golden.ties;
    const sequences = c.settings.sequences as string[];
    for (const order of [sequences, [...sequences].reverse()]) {
      const model = trainBpe(new Map(order.map((s) => [toByteLevel(s), 1])), { vocabSize: c.settings.vocab_size, initialAlphabet: [] });
      assert.deepEqual(model.merges, c.merges);
    }
  });

  it("splits text as HF's ByteLevel pre-tokenizer (Unicode White_Space, not JS \\s)", () => {
    for (const { text, pieces } of golden.pieces) {
      assert.deepEqual(byteLevelPieces(text).map(toByteLevel), pieces, JSON.stringify(text));
      assert.equal(byteLevelPieces(text).join(''), text);
    }
  });

  it("encodes held-out text with Python's ids once loaded by Tokenizer.fromPretrained", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpe-'));
    saveTokenizerFiles(dir, (await train(golden.main.settings)).files);
    const tok = Tokenizer.fromPretrained(dir);
    for (const { text, ids } of golden.main.held_out) {
      assert.deepEqual(tok.encode(text), ids, JSON.stringify(text));
      assert.equal(tok.decode(ids), text);
    }
  });
});

describe('trainBpe', () => {
  it("follows HF's algorithm (checked with Python)", () => {
    const words = new Map([['hug', 10], ['pug', 5], ['hugs', 5]]);
    const model = trainBpe(words, { vocabSize: 8, specialTokens: ['<unk>'] });
    // (u,g) occurs 20 times, then (h,ug) 15; the alphabet is sorted by code point.
    assert.deepEqual(model.vocab, ['<unk>', 'g', 'h', 'p', 's', 'u', 'ug', 'hug']);
    assert.deepEqual(model.merges, [['u', 'g'], ['h', 'ug']]);
  });

  it('gives special tokens ids 0..k-1 in order, duplicates once', () => {
    const model = trainBpe(new Map([['ab', 2]]), { vocabSize: 10, specialTokens: ['<b>', '<a>', '<b>'] });
    assert.deepEqual(model.vocab.slice(0, 4), ['<b>', '<a>', 'a', 'b']);
  });

  it('never merges a pair seen fewer than minFrequency times', () => {
    const words = new Map([['ab', 3], ['cd', 2], ['ef', 1]]);
    assert.deepEqual(trainBpe(words, { vocabSize: 100, minFrequency: 3 }).merges, [['a', 'b']]);
    assert.deepEqual(trainBpe(words, { vocabSize: 100, minFrequency: 2 }).merges, [['a', 'b'], ['c', 'd']]);
    const all = trainBpe(words, { vocabSize: 100 });
    assert.deepEqual(all.merges, [['a', 'b'], ['c', 'd'], ['e', 'f']]);
    assert.equal(all.stopReason, 'no-pairs');
  });

  it('merges overlapping pairs left to right as HF does (checked with Python)', () => {
    // aaaa -> aa aa, aaa -> aa a; then (aa,a) and (aa,aa) tie at 1 and (aa,a) is the smaller pair.
    const model = trainBpe(new Map([['aaaa', 1], ['aaa', 1]]), { vocabSize: 100 });
    assert.deepEqual(model.merges, [['a', 'a'], ['aa', 'a'], ['aa', 'aa']]);
  });

  it('is deterministic', async () => {
    const a = await train(golden.main.settings);
    const b = await train(golden.main.settings);
    assert.deepEqual(a.model, b.model);
  });
});
