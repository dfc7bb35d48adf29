/**
 * A deterministic CausalLm for the generation tests. Its logits at each new position come
 * from a JS `score` function of the tokens the position may attend to (mask 1, cached or
 * new, up to and including itself) and its position id, so:
 * - padding that the mask hides cannot change the output (as with real attention);
 * - a wrong cache (lost or duplicated tokens) or wrong positions change the output;
 * - tests can compute the expected logits in plain JS.
 * Every forward call is recorded (inputs as nested arrays, cache length) for assertions.
 */
import assert from 'node:assert/strict';
import { cat, keep, tensor, zeros, type Tensor } from '../../src/index.js';
import type { CausalLm, CausalLmInput, CausalLmOutput, KvCache } from '../../src/models/types.js';
import { rng } from '../helpers/assert.js';

/** Logits over the vocabulary for one position, from what it attends to and its position id. */
export type Scorer = (attended: readonly number[], position: number) => number[];

export interface ForwardCall {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds: number[][];
  /** Positions in the cache when the call started (undefined: no cache passed). */
  cacheLength?: number;
}

/** Holds the token ids seen so far (B, P), as a real cache holds their keys and values. */
export class FakeCache implements KvCache {
  tokens: Tensor | undefined;
  disposed = false;

  get length(): number {
    return this.tokens?.size(1) ?? 0;
  }

  append(ids: Tensor): Tensor {
    const all = keep(this.tokens ? cat([this.tokens, ids], 1) : ids.clone());
    this.tokens?.dispose();
    this.tokens = all;
    return all;
  }

  dispose(): void {
    this.tokens?.dispose();
    this.tokens = undefined;
    this.disposed = true;
  }
}

export interface FakeLmConfig {
  vocabSize: number;
  eosTokenId?: number | number[];
  padTokenId?: number;
}

export class FakeLm implements CausalLm {
  readonly calls: ForwardCall[] = [];
  readonly caches: FakeCache[] = [];

  constructor(
    readonly config: FakeLmConfig,
    readonly score: Scorer = tableScorer(config.vocabSize, 1),
  ) {}

  newCache(): FakeCache {
    const c = new FakeCache();
    this.caches.push(c);
    return c;
  }

  forward(input: CausalLmInput): CausalLmOutput {
    const { inputIds, attentionMask, positionIds } = input;
    assert.ok(inputIds && attentionMask && positionIds, 'generate passes inputIds, attentionMask and positionIds');
    assert.equal(inputIds.dtype, 'int64');
    const cache = input.cache as FakeCache | undefined;
    const [batch, newLen] = inputIds.shape as [number, number];
    const cached = cache?.length ?? 0;
    assert.deepEqual([...attentionMask.shape], [batch, cached + newLen], 'attentionMask is (B, P + T)');
    assert.deepEqual([...positionIds.shape], [batch, newLen], 'positionIds is (B, T)');
    const call: ForwardCall = {
      inputIds: inputIds.toArray() as number[][],
      attentionMask: attentionMask.toArray() as number[][],
      positionIds: positionIds.toArray() as number[][],
    };
    if (cache) call.cacheLength = cached;
    this.calls.push(call);

    const all = (cache ? cache.append(inputIds) : inputIds).toArray() as number[][]; // (B, P + T)
    const vocab = this.config.vocabSize;
    const logits = new Float32Array(batch * newLen * vocab);
    for (let b = 0; b < batch; b++) {
      const row = all[b] as number[];
      const mask = call.attentionMask[b] as number[];
      for (let t = 0; t < newLen; t++) {
        const upTo = cached + t;
        const attended = row.slice(0, upTo + 1).filter((_, j) => mask[j] === 1);
        // A padding position attends to nothing; its logits are never read, as with a real model.
        const s = attended.length === 0 ? new Array<number>(vocab).fill(0) : this.score(attended, call.positionIds[b]?.[t] as number);
        assert.equal(s.length, vocab);
        logits.set(s, (b * newLen + t) * vocab);
      }
    }
    return {
      logits: tensor(logits, { shape: [batch, newLen, vocab] }),
      hiddenStates: zeros([batch, newLen, 1]),
    };
  }
}

/**
 * Logits from fixed random tables: one row per last token, one per position, one per
 * (sum of attended ids mod 7), so the output depends on the whole attended context.
 */
export function tableScorer(vocab: number, seed: number): Scorer {
  const r = rng(seed);
  const table = (rows: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: vocab }, () => 4 * r() - 2));
  const byToken = table(vocab);
  const byPosition = table(64);
  const byContext = table(7);
  return (attended, position) => {
    const last = attended[attended.length - 1] as number;
    const ctx = attended.reduce((a, b) => a + b, 0) % 7;
    const [a, p, c] = [byToken[last], byPosition[position % 64], byContext[ctx]] as [number[], number[], number[]];
    return Array.from({ length: vocab }, (_, v) => (a[v] as number) + 0.5 * (p[v] as number) + (c[v] as number));
  };
}

/** Prefers `next(last token)` by a margin of 3 over every other id. */
export function scriptedScorer(vocab: number, next: (last: number, attended: readonly number[]) => number): Scorer {
  return (attended) => {
    const want = next(attended[attended.length - 1] as number, attended);
    return Array.from({ length: vocab }, (_, v) => (v === want ? 3 : 0));
  };
}

/** log-softmax of plain numbers, in float64. */
export function logSoftmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const lse = m + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
  return xs.map((x) => x - lse);
}

/** Greedy decoding of one unpadded prompt straight from a scorer (the JS reference). */
export function referenceGreedy(score: Scorer, prompt: readonly number[], steps: number, eos: readonly number[] = []): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const s = score(seq, seq.length - 1);
    const next = s.indexOf(Math.max(...s));
    out.push(next);
    seq.push(next);
    if (eos.includes(next)) break;
  }
  return out;
}
