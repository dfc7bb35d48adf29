/** A growing key/value cache, one (keys, values) pair per layer, each (B, kvHeads, P, d). */
import { cat, type Tensor } from '../tensor/index.js';
import { keep } from '../tensor/scope.js';
import type { KvCache } from './types.js';

export class DecoderKvCache implements KvCache {
  private readonly keys: (Tensor | undefined)[];
  private readonly values: (Tensor | undefined)[];
  /** Positions cached before the forward pass now running (layer 0 updates first). */
  private cached = 0;

  constructor(numLayers: number) {
    this.keys = new Array<Tensor | undefined>(numLayers);
    this.values = new Array<Tensor | undefined>(numLayers);
  }

  get length(): number {
    return this.cached;
  }

  /**
   * Appends a layer's new keys and values and returns the full ones. The stored tensors are
   * kept past the caller's tidy() scope; the ones they replace are freed.
   */
  update(layer: number, keys: Tensor, values: Tensor): { keys: Tensor; values: Tensor } {
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const k = keep(oldK ? cat([oldK, keys], 2) : keys.contiguous());
    const v = keep(oldV ? cat([oldV, values], 2) : values.contiguous());
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = k;
    this.values[layer] = v;
    if (layer === this.keys.length - 1) this.cached = k.size(2);
    return { keys: k, values: v };
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.cached = 0;
  }
}

export function asDecoderCache(cache: KvCache): DecoderKvCache {
  if (!(cache instanceof DecoderKvCache)) throw new TypeError("forward: the cache must come from this model's newCache()");
  return cache;
}
