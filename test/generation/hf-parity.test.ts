/**
 * Parity with HF transformers' generate(): the golden values below were produced by
 * make_hf_generation_golden.py (transformers 5.18.0, torch 2.13.0+cpu) on a PyTorch twin of
 * FakeLm(tableScorer(8, 11)), with left-padded prompts [[1, 2, 3], [4], [5, 6]] and
 * use_cache=False. Greedy, repetition penalty, min new tokens, several EOS ids and seeded
 * sampling with temperature / top-k / top-p must give HF's exact tokens, its log-probs of the
 * raw logits and of the processed scores, and its model inputs. Rerun the script and paste its
 * output to regenerate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, type GenerationConfig } from '../../src/generation/index.js';
import { FakeLm, tableScorer } from './fake-lm.js';

interface GoldenRow {
  tokenIds: number[];
  modelLogprobs: number[];
  processedLogprobs: number[];
}
interface GoldenCall {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds: number[][];
}

const PROMPTS = [[1, 2, 3], [4], [5, 6]];

/** The CASES of make_hf_generation_golden.py in this library's names. */
const CONFIGS: Record<string, Partial<GenerationConfig>> = {
  greedy: { maxNewTokens: 8, eosTokenId: 7, padTokenId: 0 },
  penalty_min_new_several_eos: { maxNewTokens: 8, eosTokenId: [6, 7], padTokenId: 0, repetitionPenalty: 1.3, minNewTokens: 3 },
  sample_all_warpers: {
    maxNewTokens: 8, doSample: true, eosTokenId: 7, padTokenId: 0, temperature: 1.5, topK: 5, topP: 0.9, repetitionPenalty: 1.3, seed: 3,
  },
  sample_temperature: { maxNewTokens: 12, doSample: true, eosTokenId: 7, padTokenId: 0, temperature: 2, topK: 0, seed: 42 },
};

const GOLDEN: Record<string, { rows: GoldenRow[]; firstCalls: GoldenCall[] }> = {
  greedy: {
    rows: [
      {
        tokenIds: [1,  3,  3,  1,  2,  2,  7],
        modelLogprobs: [-0.257343,  -1.204891,  -0.377332,  -0.518123,  -0.843783,  -1.121774,  -0.813815],
        processedLogprobs: [-0.257343,  -1.204891,  -0.377332,  -0.518123,  -0.843783,  -1.121774,  -0.813815],
      },
      {
        tokenIds: [1,  6,  1,  6,  3,  2,  2,  7],
        modelLogprobs: [-0.20014,  -0.788619,  -0.561095,  -1.067406,  -0.955749,  -0.602082,  -0.712457,  -0.883217],
        processedLogprobs: [-0.20014,  -0.788619,  -0.561095,  -1.067406,  -0.955749,  -0.602082,  -0.712457,  -0.883217],
      },
      {
        tokenIds: [1,  3,  3,  3,  2,  2,  7],
        modelLogprobs: [-1.08096,  -1.034926,  -1.054883,  -0.918841,  -0.602082,  -0.712457,  -0.883217],
        processedLogprobs: [-1.08096,  -1.034926,  -1.054883,  -0.918841,  -0.602082,  -0.712457,  -0.883217],
      },
    ],
    firstCalls: [
      {
        inputIds: [[1,  2,  3],  [0,  0,  4],  [0,  5,  6]],
        attentionMask: [[1,  1,  1],  [0,  0,  1],  [0,  1,  1]],
        positionIds: [[0,  1,  2],  [0,  0,  0],  [0,  0,  1]],
      },
      {
        inputIds: [[1,  2,  3,  1],  [0,  0,  4,  1],  [0,  5,  6,  1]],
        attentionMask: [[1,  1,  1,  1],  [0,  0,  1,  1],  [0,  1,  1,  1]],
        positionIds: [[0,  1,  2,  3],  [0,  0,  0,  1],  [0,  0,  1,  2]],
      },
    ],
  },
  penalty_min_new_several_eos: {
    rows: [
      {
        tokenIds: [1,  3,  3,  1,  2,  4,  4,  0],
        modelLogprobs: [-0.257343,  -1.204891,  -0.377332,  -0.518123,  -0.843783,  -1.186413,  -1.127612,  -1.28707],
        processedLogprobs: [-0.378682,  -1.11566,  -0.605645,  -0.693189,  -1.009615,  -1.098452,  -1.271699,  -1.122644],
      },
      {
        tokenIds: [1,  3,  1,  6],
        modelLogprobs: [-0.20014,  -1.456917,  -0.745239,  -1.143629],
        processedLogprobs: [-0.127101,  -0.714222,  -0.861581,  -1.08437],
      },
      {
        tokenIds: [1,  3,  3,  3,  2,  2,  7],
        modelLogprobs: [-1.08096,  -1.034926,  -1.054883,  -0.918841,  -0.602082,  -0.712457,  -0.883217],
        processedLogprobs: [-0.712618,  -0.729764,  -1.161855,  -1.132818,  -0.467556,  -0.89707,  -0.835567],
      },
    ],
    firstCalls: [
      {
        inputIds: [[1,  2,  3],  [0,  0,  4],  [0,  5,  6]],
        attentionMask: [[1,  1,  1],  [0,  0,  1],  [0,  1,  1]],
        positionIds: [[0,  1,  2],  [0,  0,  0],  [0,  0,  1]],
      },
      {
        inputIds: [[1,  2,  3,  1],  [0,  0,  4,  1],  [0,  5,  6,  1]],
        attentionMask: [[1,  1,  1,  1],  [0,  0,  1,  1],  [0,  1,  1,  1]],
        positionIds: [[0,  1,  2,  3],  [0,  0,  0,  1],  [0,  0,  1,  2]],
      },
    ],
  },
  sample_all_warpers: {
    rows: [
      {
        tokenIds: [0,  1,  3,  3,  2,  4,  4,  2],
        modelLogprobs: [-3.092055,  -2.148361,  -0.655406,  -0.251125,  -1.575347,  -0.394117,  -0.852796,  -1.924129],
        processedLogprobs: [-2.030173,  -1.730153,  -0.846356,  -0.611075,  -1.49402,  -0.524676,  -1.138475,  -1.777678],
      },
      {
        tokenIds: [7],
        modelLogprobs: [-3.406697],
        processedLogprobs: [-2.407454],
      },
      {
        tokenIds: [6,  1,  6,  3,  4,  0,  3,  2],
        modelLogprobs: [-1.426347,  -1.628571,  -1.886442,  -0.44367,  -2.676229,  -0.550509,  -1.341659,  -1.577576],
        processedLogprobs: [-1.425638,  -1.380457,  -1.742837,  -0.51983,  -1.943963,  -0.815285,  -1.435436,  -1.433566],
      },
    ],
    firstCalls: [
      {
        inputIds: [[1,  2,  3],  [0,  0,  4],  [0,  5,  6]],
        attentionMask: [[1,  1,  1],  [0,  0,  1],  [0,  1,  1]],
        positionIds: [[0,  1,  2],  [0,  0,  0],  [0,  0,  1]],
      },
      {
        inputIds: [[1,  2,  3,  0],  [0,  0,  4,  7],  [0,  5,  6,  6]],
        attentionMask: [[1,  1,  1,  1],  [0,  0,  1,  1],  [0,  1,  1,  1]],
        positionIds: [[0,  1,  2,  3],  [0,  0,  0,  1],  [0,  0,  1,  2]],
      },
    ],
  },
  sample_temperature: {
    rows: [
      {
        tokenIds: [1,  0,  4,  3,  2,  2,  6,  7],
        modelLogprobs: [-0.257343,  -1.978369,  -2.077897,  -3.148844,  -0.229311,  -1.121774,  -2.521494,  -2.468122],
        processedLogprobs: [-0.859862,  -1.968843,  -1.899018,  -2.303728,  -0.784316,  -1.393882,  -2.134676,  -2.216602],
      },
      {
        tokenIds: [1,  5,  4,  6,  6,  1,  1,  0,  2,  3,  2,  3],
        modelLogprobs: [-0.20014,  -3.604574,  -6.29407,  -3.381281,  -1.78194,  -2.208304,  -2.492993,  -1.719502,  -0.873014,  -4.923211,  -0.85978,  -2.223271],
        processedLogprobs: [-0.751594,  -2.713898,  -3.912781,  -2.634619,  -1.789304,  -1.918092,  -2.171569,  -1.780362,  -1.270419,  -3.286031,  -1.3296,  -1.97276],
      },
      {
        tokenIds: [0,  7],
        modelLogprobs: [-1.753126,  -1.376321],
        processedLogprobs: [-1.790432,  -1.585317],
      },
    ],
    firstCalls: [
      {
        inputIds: [[1,  2,  3],  [0,  0,  4],  [0,  5,  6]],
        attentionMask: [[1,  1,  1],  [0,  0,  1],  [0,  1,  1]],
        positionIds: [[0,  1,  2],  [0,  0,  0],  [0,  0,  1]],
      },
      {
        inputIds: [[1,  2,  3,  1],  [0,  0,  4,  1],  [0,  5,  6,  0]],
        attentionMask: [[1,  1,  1,  1],  [0,  0,  1,  1],  [0,  1,  1,  1]],
        positionIds: [[0,  1,  2,  3],  [0,  0,  0,  1],  [0,  0,  1,  2]],
      },
    ],
  },
};

for (const [name, config] of Object.entries(CONFIGS)) {
  const golden = GOLDEN[name];
  if (!golden) throw new Error(`no golden values for ${name}`);
  for (const useCache of [true, false]) {
    test(`HF parity: ${name} (${useCache ? 'cached' : 'full re-run'})`, () => {
      const model = new FakeLm({ vocabSize: 8 }, tableScorer(8, 11));
      const out = generate(model, PROMPTS, { ...config, useCache });
      out.forEach((row, i) => {
        const want = golden.rows[i] as GoldenRow;
        assert.deepEqual(row.tokenIds, want.tokenIds, `row ${i} tokens`);
        close(row.modelLogprobs, want.modelLogprobs, `row ${i} modelLogprobs`);
        close(row.processedLogprobs, want.processedLogprobs, `row ${i} processedLogprobs`);
      });
      // HF re-runs the full sequence; the cached path's second call is that call's last column.
      const [first, second] = golden.firstCalls as [GoldenCall, GoldenCall];
      const calls = model.calls.map(({ inputIds, attentionMask, positionIds }) => ({ inputIds, attentionMask, positionIds }));
      assert.deepEqual(calls[0], first);
      const lastColumn = (rows: number[][]): number[][] => rows.map((r) => r.slice(-1));
      const expectedSecond = useCache
        ? { inputIds: lastColumn(second.inputIds), attentionMask: second.attentionMask, positionIds: lastColumn(second.positionIds) }
        : second;
      assert.deepEqual(calls[1], expectedSecond);
    });
  }
}

function close(actual: readonly number[], expected: readonly number[], msg: string): void {
  assert.equal(actual.length, expected.length, `${msg} length`);
  // The golden values are rounded to 6 decimals.
  actual.forEach((a, k) => assert.ok(Math.abs(a - (expected[k] as number)) <= 2e-6, `${msg}[${k}]: got ${a}, expected ${expected[k]}`));
}
