/** Latent-sequence records to one padded batch (the latent PRM's input). */
import { cat, tensor, zeros, type Tensor } from '../../tensor/index.js';
import { loadLatentMatrix } from '../formats/latent.js';
import type { LatentRecord } from '../records.js';

/** Right-pads the examples' matrices to (B, S, D) with a (B, S) step mask. */
export function collateLatents(records: readonly LatentRecord[], dtype: 'float32' = 'float32'): { latents: Tensor; mask: Tensor; targets: Tensor } {
  const matrices = records.map((r) => loadLatentMatrix(r).to(dtype));
  const S = Math.max(...matrices.map((m) => m.size(0)));
  const D = matrices[0]?.size(1) ?? 0;
  const rows: Tensor[] = [];
  const masks: number[][] = [];
  matrices.forEach((m, i) => {
    if (m.size(1) !== D) throw new RangeError(`latent PRM: ${records[i]?.file}:${records[i]?.tensor} has width ${m.size(1)}, the batch has ${D}`);
    const steps = m.size(0);
    rows.push((steps < S ? cat([m, zeros([S - steps, D], { dtype })], 0) : m).unsqueeze(0));
    masks.push(Array.from({ length: S }, (_, t) => (t < steps ? 1 : 0)));
  });
  return { latents: cat(rows, 0), mask: tensor(masks, { dtype: 'int64' }), targets: tensor(records.map((r) => r.score), { dtype }) };
}
