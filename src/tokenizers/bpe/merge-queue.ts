/**
 * The BPE trainer's priority queue of candidate merges: most frequent pair first and, among
 * equal counts, the smaller pair (left id, then right id), as HF tokenizers' `Merge` ordering
 * in models/bpe/trainer.rs. Entries may be stale (the count changed since they were pushed);
 * the trainer checks on pop. A binary heap over plain arrays.
 *
 * ```ts
 * const q = new MergeQueue();
 * q.push({ pair: pairKey(3, 4), count: 10, words: [0, 7] });
 * q.pop()?.count;   // 10
 * ```
 */

/** A candidate merge: its pair, its count when pushed, and the words that may hold it (indices, no repeats). */
export interface MergeCandidate {
  pair: number;
  count: number;
  words: readonly number[];
}

interface Entry extends MergeCandidate {
  /**
   * Push order: breaks ties between entries of the same pair and count, which HF leaves to
   * its heap and hash order, so that ours are at least reproducible.
   */
  seq: number;
}

export class MergeQueue {
  private readonly heap: Entry[] = [];
  private pushed = 0;

  get size(): number {
    return this.heap.length;
  }

  push(candidate: MergeCandidate): void {
    const { heap } = this;
    heap.push({ pair: candidate.pair, count: candidate.count, words: candidate.words, seq: this.pushed++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  /** The highest-priority candidate, removed; undefined when empty. */
  pop(): MergeCandidate | undefined {
    const { heap } = this;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && before(heap[l] as Entry, heap[best] as Entry)) best = l;
      if (r < heap.length && before(heap[r] as Entry, heap[best] as Entry)) best = r;
      if (best === i) break;
      swap(heap, i, best);
      i = best;
    }
    return top;
  }
}

/** True when `a` pops before `b`: higher count, then smaller pair, then pushed earlier. */
function before(a: Entry, b: Entry): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.pair !== b.pair) return a.pair < b.pair;
  return a.seq < b.seq;
}

function swap(heap: Entry[], i: number, j: number): void {
  const t = heap[i] as Entry;
  heap[i] = heap[j] as Entry;
  heap[j] = t;
}
