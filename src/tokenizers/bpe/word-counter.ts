/**
 * Counts the byte-level words of a corpus, what HF tokenizers' trainer `feed` does with a
 * `ByteLevel(add_prefix_space=False)` pre-tokenizer and no normalizer: each sequence is split
 * with GPT-2's regex on its own, so no word spans two sequences.
 *
 * ```ts
 * const counter = new ByteLevelWordCounter();
 * counter.add('the cat');
 * counter.add('the dog');
 * counter.words();   // Map { 'the' => 2, 'Ġcat' => 1, 'Ġdog' => 1 }
 * ```
 */
import { byteLevelPieces, toByteLevel } from './byte-level.js';

export class ByteLevelWordCounter {
  /** Sequences added so far. */
  sequences = 0;
  /** Words (pieces) added so far, repeats included. */
  total = 0;
  // Keyed by the raw piece: the byte mapping is one-to-one, so it can wait until the end and
  // run once per distinct word.
  private readonly pieces = new Map<string, number>();

  add(sequence: string): void {
    this.sequences++;
    for (const piece of byteLevelPieces(sequence)) {
      this.pieces.set(piece, (this.pieces.get(piece) ?? 0) + 1);
      this.total++;
    }
  }

  /** Distinct words so far. */
  get distinct(): number {
    return this.pieces.size;
  }

  /** Each distinct word written in byte characters, with its count: the trainer's input. */
  words(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [piece, count] of this.pieces) out.set(toByteLevel(piece), count);
    return out;
  }
}
