/**
 * A static (preallocated) key/value cache: per layer one keys and one values buffer
 * (B, kvHeads, capacity, d), written in place as positions arrive. Attention reads a narrowed
 * view of the filled part, so decoding allocates and concatenates nothing per token. Past the
 * capacity a buffer is reallocated at twice the size (a cache made without a capacity starts
 * at the first input's length).
 *
 * ```ts
 * const cache = model.newCache({ capacity: promptLength + maxNewTokens });
 * ```
 */
import { keep, zeros, type Device, type Tensor } from '../tensor/index.js';
import type { KvCache, KvCacheOptions } from './types.js';

interface LayerBuffers {
  keys: Tensor;
  values: Tensor;
}

export class DecoderKvCache implements KvCache {
  private readonly layers: (LayerBuffers | undefined)[];
  /** Positions cached before the forward pass now running (layer 0 updates first). */
  private cached = 0;
  private readonly capacity: number;
  private readonly batch: number | undefined;

  constructor(numLayers: number, options: KvCacheOptions = {}) {
    this.layers = new Array<LayerBuffers | undefined>(numLayers).fill(undefined);
    this.capacity = options.capacity ?? 0;
    this.batch = options.batch;
  }

  get length(): number {
    return this.cached;
  }

  /**
   * Writes a layer's new keys and values (B, kvHeads, T, d) after the cached ones and returns
   * views of all of them (B, kvHeads, P + T, d). The buffers outlive the caller's tidy() scope.
   */
  update(layer: number, keys: Tensor, values: Tensor): { keys: Tensor; values: Tensor } {
    const T = keys.size(2);
    const end = this.cached + T;
    const buffers = this.reserve(layer, keys, end);
    buffers.keys.narrow(2, this.cached, T).copy_(keys);
    buffers.values.narrow(2, this.cached, T).copy_(values);
    const first = this.cached === 0;
    if (layer === this.layers.length - 1) this.cached = end;
    // A prefill attends to exactly what it wrote: its own (contiguous) keys and values.
    if (first) return { keys, values };
    return { keys: buffers.keys.narrow(2, 0, end), values: buffers.values.narrow(2, 0, end) };
  }

  /**
   * Repeats every batch row `copies` times, each row's copies adjacent: one prefill shared by a
   * prompt's completions (HF's repeat_interleave for num_return_sequences). repeat_interleave,
   * not index_select: libtorch's CPU index_select copies wide rows element by element.
   */
  repeatRows(copies: number): void {
    this.layers.forEach((b, i) => {
      if (!b) return;
      this.layers[i] = { keys: keep(b.keys.repeatInterleave(copies, 0)), values: keep(b.values.repeatInterleave(copies, 0)) };
      b.keys.dispose();
      b.values.dispose();
    });
  }

  /**
   * Copies the first `length` positions of `source`'s row 0 into row `row` at columns
   * [column, column + length): a prompt prefilled alone joins a running batch.
   */
  writeRow(row: number, from: KvCache, length: number, column: number): void {
    const source = asDecoderCache(from);
    this.layers.forEach((_, i) => {
      const s = source.layers[i];
      if (!s) throw new Error(`DecoderKvCache.writeRow: layer ${i} of the source holds no keys yet`);
      if (this.batch === undefined && !this.layers[i]) throw new Error('DecoderKvCache.writeRow: a cache written row by row needs newCache({ batch })');
      const b = this.layers[i] ?? this.reserve(i, s.keys, Math.max(column + length, 1), this.batch);
      if (column + length > b.keys.size(2)) throw new RangeError(`DecoderKvCache.writeRow: columns [${column}, ${column + length}) exceed the capacity ${b.keys.size(2)}`);
      b.keys.select(0, row).narrow(1, column, length).copy_(s.keys.select(0, 0).narrow(1, 0, length));
      b.values.select(0, row).narrow(1, column, length).copy_(s.values.select(0, 0).narrow(1, 0, length));
    });
  }

  /** Drops the first `start` columns of every row: positions [start, length) move to [0, length - start). */
  dropColumns(start: number): void {
    const kept = this.cached - start;
    for (const b of this.layers) {
      if (!b) continue;
      for (const t of [b.keys, b.values]) t.narrow(2, 0, kept).copy_(t.narrow(2, start, kept).clone());
    }
    this.cached = kept;
  }

  /** Sets the filled length (every row shares the column count), e.g. after writing rows. */
  setLength(length: number): void {
    this.cached = length;
  }

  dispose(): void {
    for (const b of this.layers) {
      b?.keys.dispose();
      b?.values.dispose();
    }
    this.layers.fill(undefined);
    this.cached = 0;
  }

  /**
   * The layer's buffers with room for `end` positions, like `sample` in batch, heads, dim and
   * dtype. Zero-filled: columns a row never wrote are masked, but a masked NaN would still poison
   * attention's weighted sum.
   */
  private reserve(layer: number, sample: Tensor, end: number, batch?: number): LayerBuffers {
    const current = this.layers[layer];
    if (current && current.keys.size(2) >= end) return current;
    const [sampleBatch, H, , d] = sample.shape as [number, number, number, number];
    const B = batch ?? current?.keys.size(0) ?? sampleBatch;
    const size = Math.max(end, this.capacity, 2 * (current?.keys.size(2) ?? 0));
    const make = (old: Tensor | undefined): Tensor => {
      const t = keep(zeros([B, H, size, d], { dtype: sample.dtype, device: sample.device as Device }));
      if (old) t.narrow(2, 0, this.cached).copy_(old.narrow(2, 0, this.cached));
      return t;
    };
    const grown = { keys: make(current?.keys), values: make(current?.values) };
    current?.keys.dispose();
    current?.values.dispose();
    this.layers[layer] = grown;
    return grown;
  }
}

export function asDecoderCache(cache: KvCache): DecoderKvCache {
  if (!(cache instanceof DecoderKvCache)) throw new TypeError("forward: the cache must come from this model's newCache()");
  return cache;
}
