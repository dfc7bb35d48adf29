/**
 * The random-weight checkpoints of `npm run bench -- scale`: a Qwen2.5-shaped CausalLM drawn once
 * (seed 0, transformers' normal(0, 0.02) init) and saved with savePretrained as an fp32 and a bf16
 * Hugging Face directory, <dir>/fp32 and <dir>/bf16. A directory is reused when its `complete`
 * marker (written last) is there, so an interrupted build is redone rather than half-read.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CausalLM, fromPretrained, savePretrained } from '../src/models/index.js';
import { manualSeed, noGrad } from '../src/tensor/index.js';
import { QWEN_EOS, scaleDecoderConfig, type BenchDtype, type Scale } from './scale_shapes.js';

const MARKER = 'complete';
const GENERATION_CONFIG = { bos_token_id: QWEN_EOS, eos_token_id: QWEN_EOS, pad_token_id: QWEN_EOS, do_sample: false };

export const checkpointDir = (dir: string, dtype: BenchDtype): string => join(dir, dtype);

/** Builds whichever of `dtypes` is missing under `dir`; returns the seconds spent (0 when all were cached). */
export function ensureCheckpoints(scale: Scale, dir: string, dtypes: readonly BenchDtype[]): number {
  const missing = dtypes.filter((d) => !existsSync(join(checkpointDir(dir, d), MARKER)));
  if (missing.length === 0) return 0;
  const started = performance.now();
  manualSeed(0);
  // Drawn in the first dtype needed; the bf16 copy is converted tensor by tensor from it (each
  // fp32 tensor freed as its bf16 one replaces it), so the weights never exist twice in full.
  // With the fp32 copy already there, the bf16 one is read from it (the same weights, rounded).
  const first = missing.includes('fp32') ? 'fp32' : 'bf16';
  const fp32Dir = checkpointDir(dir, 'fp32');
  const lm = first === 'bf16' && existsSync(join(fp32Dir, MARKER))
    ? fromPretrained(fp32Dir, { dtype: 'bfloat16' })
    : CausalLM.fromConfig({ ...scaleDecoderConfig(scale), dtype: first === 'fp32' ? 'float32' : 'bfloat16' });
  try {
    for (const dtype of first === 'fp32' ? missing : ['bf16' as const]) {
      if (dtype === 'bf16' && first === 'fp32') {
        noGrad(() => {
          for (const p of lm.parameters()) {
            const half = p.to('bfloat16');
            p.setData_(half);
            half.dispose();
          }
        });
      }
      const out = checkpointDir(dir, dtype);
      rmSync(out, { recursive: true, force: true });
      savePretrained(lm, out, { generationConfig: GENERATION_CONFIG });
      writeFileSync(join(out, MARKER), `${scale} ${dtype} random weights, seed 0, ${new Date().toISOString()}\n`);
    }
  } finally {
    lm.dispose();
  }
  return (performance.now() - started) / 1000;
}
