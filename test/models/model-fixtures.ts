/** Paths and golden values of the tiny Hugging Face checkpoints in test/fixtures/models. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));
export const modelDir = (name: 'tiny-qwen2' | 'tiny-llama' | 'tiny-qwen2-rm'): string => `${MODELS_DIR}${name}`;

export interface ForwardGolden {
  input_ids: number[][];
  attention_mask: number[][];
  float32: {
    logits_first8: number[][][];
    last_token_index: number[];
    last_token_log_softmax: number[][];
    causal_lm_loss: number;
  };
  float64: { logits_first8: number[][][]; causal_lm_loss: number };
}

export function golden(name: 'tiny-qwen2' | 'tiny-llama' | 'tiny-qwen2-rm'): Record<string, unknown> {
  return JSON.parse(readFileSync(`${modelDir(name)}/golden.json`, 'utf8')) as Record<string, unknown>;
}

export const forwardGolden = (name: 'tiny-qwen2' | 'tiny-llama'): ForwardGolden => golden(name).forward as ForwardGolden;

/** Largest |a - b| over the real (mask 1) positions of (B, T, k) nested arrays. */
export function maxErrAtRealPositions(actual: number[][][], expected: number[][][], mask: number[][]): number {
  let err = 0;
  mask.forEach((row, b) =>
    row.forEach((m, t) => {
      if (m === 0) return;
      const e = expected[b]?.[t] ?? [];
      e.forEach((v, k) => (err = Math.max(err, Math.abs((actual[b]?.[t]?.[k] ?? NaN) - v))));
    }),
  );
  return err;
}
