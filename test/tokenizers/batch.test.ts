/**
 * Batch encoding: right and left padding with exact masks (checked against batches that
 * transformers and TRL built), truncation on either side, 'maxLength' padding, and the
 * int64 tensors made from a batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memory } from '../../src/index.js';
import { batchToTensors, padRows, Tokenizer, truncateKeepingSpecials } from '../../src/tokenizers/index.js';
import { goldenBatches, TOKENIZER_DIR } from './fixtures.js';

const tok = Tokenizer.fromPretrained(TOKENIZER_DIR);
const golden = goldenBatches();

describe('encodeBatch padding matches transformers/TRL batches', () => {
  it('right-pads with id 3 (the config default), like the tiny-qwen2 forward batch', () => {
    const batch = tok.encodeBatch(golden.forward.texts, { addSpecialTokens: false });
    assert.deepEqual(batch.inputIds, golden.forward.input_ids);
    assert.deepEqual(batch.attentionMask, golden.forward.attention_mask);
  });

  it('right-pads completions that end in eos, like TRL GRPO completion_ids', () => {
    const texts = golden.grpo.completion_texts.flat().map((t) => `${t}${tok.eosToken}`);
    const batch = tok.encodeBatch(texts);
    assert.deepEqual(batch.inputIds, golden.grpo.completion_ids);
    assert.deepEqual(batch.attentionMask, golden.grpo.completion_mask);
  });

  it('left-pads prompts, like TRL GRPO prompt_ids', () => {
    // TRL repeats each prompt 4 times (num_generations) and left-pads the chat-templated text.
    const prompts = golden.grpo.prompts.flatMap((p) => [p, p, p, p]);
    const texts = prompts.map((p) => tok.applyChatTemplate(p, { addGenerationPrompt: true, tokenize: false }));
    const batch = tok.encodeBatch(texts, { paddingSide: 'left' });
    assert.deepEqual(batch.inputIds, golden.grpo.prompt_ids);
    assert.deepEqual(batch.attentionMask, golden.grpo.prompt_mask);
  });
});

describe('encodeBatch options', () => {
  // 'Hello world!' -> [382, 285, 354, 316, 4]; 'Hi' -> [43, 76]
  const texts = ['Hello world!', 'Hi'];

  it('pads left with a mask of 0 before the text', () => {
    assert.deepEqual(tok.encodeBatch(texts, { paddingSide: 'left' }), {
      inputIds: [
        [382, 285, 354, 316, 4],
        [3, 3, 3, 43, 76],
      ],
      attentionMask: [
        [1, 1, 1, 1, 1],
        [0, 0, 0, 1, 1],
      ],
    });
  });

  it('pads to maxLength and to a multiple', () => {
    assert.deepEqual(tok.encodeBatch(['Hi'], { padding: 'maxLength', maxLength: 4 }), { inputIds: [[43, 76, 3, 3]], attentionMask: [[1, 1, 0, 0]] });
    assert.deepEqual(tok.encodeBatch(texts, { padToMultipleOf: 4 }).inputIds, [
      [382, 285, 354, 316, 4, 3, 3, 3],
      [43, 76, 3, 3, 3, 3, 3, 3],
    ]);
  });

  it('truncates on the right by default and on the left when asked', () => {
    assert.deepEqual(tok.encodeBatch(texts, { truncation: true, maxLength: 3 }), {
      inputIds: [
        [382, 285, 354],
        [43, 76, 3],
      ],
      attentionMask: [
        [1, 1, 1],
        [1, 1, 0],
      ],
    });
    assert.deepEqual(tok.encodeBatch(texts, { truncation: true, maxLength: 3, truncationSide: 'left', paddingSide: 'left' }).inputIds, [
      [354, 316, 4],
      [3, 43, 76],
    ]);
  });

  it('truncates to model_max_length (256) when no maxLength is given', () => {
    const long = 'a '.repeat(400);
    const [row] = tok.encodeBatch([long], { truncation: true }).inputIds;
    assert.equal(row?.length, 256);
    assert.equal(tok.encode(long).length > 256, true);
  });

  it('returns ragged rows with padding none', () => {
    assert.deepEqual(tok.encodeBatch(texts, { padding: 'none' }), {
      inputIds: [[382, 285, 354, 316, 4], [43, 76]],
      attentionMask: [[1, 1, 1, 1, 1], [1, 1]],
    });
  });

  it('refuses rows longer than maxLength without truncation', () => {
    assert.throws(() => tok.encodeBatch(texts, { padding: 'maxLength', maxLength: 3 }), /row 0 has 5 tokens, more than maxLength 3; set truncation: true/);
  });

  it('needs a pad token to pad', () => {
    const noPad = Tokenizer.fromPretrained(TOKENIZER_DIR, { padToken: null });
    assert.throws(() => noPad.encodeBatch(texts), /padding needs a pad token.*has none; load with \{ padToken/);
    assert.deepEqual(noPad.encodeBatch(texts, { padding: 'none' }).inputIds[1], [43, 76]);
  });
});

describe('padRows and truncateKeepingSpecials', () => {
  it('pads pure rows', () => {
    assert.deepEqual(padRows([[5, 6, 7], [8]], { padTokenId: 0, side: 'left' }), {
      inputIds: [
        [5, 6, 7],
        [0, 0, 8],
      ],
      attentionMask: [
        [1, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('keeps BOS/EOS when cutting, as transformers truncates before adding them', () => {
    assert.deepEqual(truncateKeepingSpecials([1, 10, 11, 12, 2], [10, 11, 12], 4, 'right'), [1, 10, 11, 2]);
    assert.deepEqual(truncateKeepingSpecials([1, 10, 11, 12, 2], [10, 11, 12], 4, 'left'), [1, 11, 12, 2]);
    assert.throws(() => truncateKeepingSpecials([1, 10, 2], [10], 1, 'right'), /maxLength 1 is shorter than the 2 special tokens/);
  });
});

describe('batchToTensors', () => {
  it('makes (B, T) int64 tensors', () => {
    const before = memory().numTensors;
    const { inputIds, attentionMask } = batchToTensors(tok.encodeBatch(golden.forward.texts, { addSpecialTokens: false }));
    assert.deepEqual(inputIds.shape, [2, 23]);
    assert.equal(inputIds.dtype, 'int64');
    assert.equal(attentionMask.dtype, 'int64');
    assert.deepEqual(inputIds.toArray(), golden.forward.input_ids);
    assert.deepEqual(attentionMask.toArray(), golden.forward.attention_mask);
    inputIds.dispose();
    attentionMask.dispose();
    assert.equal(memory().numTensors, before);
  });

  it('refuses ragged and empty batches', () => {
    assert.throws(() => batchToTensors(tok.encodeBatch(['Hello world!', 'Hi'], { padding: 'none' })), /row 1 has 2 tokens but row 0 has 5/);
    assert.throws(() => batchToTensors({ inputIds: [], attentionMask: [] }), /the batch is empty/);
  });
});
