/**
 * Padding-free execution of a padded batch (as TRL's `padding_free`, done for the caller): the
 * real positions of every row are laid end to end in one row, every layer runs on those alone,
 * and attention stays causal within each sequence. Pad positions cost nothing, and the outputs
 * at real positions are those of the padded computation, whose masked keys weigh exactly 0.
 */
import { cat, tensor, zeros, type Device, type Tensor } from '../tensor/index.js';

export interface UnpaddedLayout {
  /** (N) flat index (row · T + column) of each real position, row by row. */
  index: Tensor;
  /** (B·T) where each padded position's value comes from: its packed index, or N (a zero row) for pads. */
  inverse: Tensor;
  /** (sequences + 1) int64 start of each packed sequence, then N. */
  starts: Tensor;
  batch: number;
  length: number;
  real: number;
}

/**
 * The layout of a (B, T) batch: real positions are the attention mask's ones (all positions when
 * there is none); a new sequence starts at each row and, for packed rows, at each segment change.
 */
export function unpaddedLayout(batch: number, length: number, attentionMask?: Tensor, segmentIds?: Tensor): UnpaddedLayout {
  const keep = attentionMask?.flatValues() as number[] | undefined;
  const segments = segmentIds?.flatValues() as number[] | undefined;
  const index: number[] = [];
  const inverse: number[] = new Array(batch * length);
  const starts: number[] = [];
  for (let b = 0; b < batch; b++) {
    let segment: number | undefined; // of the row's previous real position
    for (let t = 0; t < length; t++) {
      const p = b * length + t;
      if (keep !== undefined && keep[p] === 0) continue;
      const s = segments?.[p] ?? 0;
      if (segment === undefined || s !== segment) starts.push(index.length);
      segment = s;
      inverse[p] = index.length;
      index.push(p);
    }
  }
  const real = index.length;
  for (let p = 0; p < inverse.length; p++) if (inverse[p] === undefined) inverse[p] = real;
  starts.push(real);
  return {
    index: tensor(index, { dtype: 'int64' }),
    inverse: tensor(inverse, { dtype: 'int64' }),
    starts: tensor(starts, { dtype: 'int64' }),
    batch,
    length,
    real,
  };
}

/** (B, T, ...) -> (1, N, ...): the real positions, row after row. */
export function pack(x: Tensor, layout: UnpaddedLayout): Tensor {
  const rest = x.shape.slice(2);
  return x.reshape(layout.batch * layout.length, ...rest).indexSelect(0, layout.index).unsqueeze(0);
}

/** (1, N, H) -> (B, T, H) with zeros at the pad positions (differentiable, through a gather). */
export function unpack(x: Tensor, layout: UnpaddedLayout): Tensor {
  const rows = x.squeeze(0);
  const withZero = cat([rows, zeros([1, rows.size(1)], { dtype: rows.dtype, device: rows.device as Device })], 0);
  return withZero.indexSelect(0, layout.inverse).view(layout.batch, layout.length, rows.size(1));
}
