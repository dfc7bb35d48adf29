/**
 * Which micro-batches GKD trains on-policy. TRL draws `random.random() <= lmbda` from Python's
 * global RNG at every training step; here the draws come from their own seeded stream
 * (mulberry32 of training.seed), one per training micro-batch, and the count of draws taken is
 * checkpointed, so a resumed run continues the same pattern exactly.
 *
 * ```ts
 * const schedule = new OnPolicySchedule(42, 0.5);
 * schedule.next(); // true: this micro-batch samples the student's own completions
 * ```
 */
import { seededRandom } from '../../data/index.js';

/** Keeps the on-policy stream apart from the data order's (seededRandom(seed + epoch)). */
const STREAM_OFFSET = 0x474b44; // 'GKD'

export class OnPolicySchedule {
  private random: () => number;
  private taken = 0;

  constructor(private readonly seed: number, readonly lmbda: number) {
    if (!(lmbda >= 0 && lmbda <= 1)) throw new RangeError(`OnPolicySchedule: lmbda (${lmbda}) must be in [0, 1]`);
    this.random = seededRandom(seed + STREAM_OFFSET);
  }

  /** Draws taken so far (the checkpointed state). */
  get draws(): number {
    return this.taken;
  }

  /** The next micro-batch's draw: on-policy with probability lmbda (u < lmbda, so 0 never and 1 always). */
  next(): boolean {
    this.taken++;
    return this.random() < this.lmbda;
  }

  /** Continues after `draws` draws (a checkpoint's), as if they had been taken here. */
  restore(draws: number): void {
    if (!(Number.isInteger(draws) && draws >= 0)) throw new RangeError(`OnPolicySchedule: draws (${draws}) must be a non-negative integer`);
    this.random = seededRandom(this.seed + STREAM_OFFSET);
    for (let i = 0; i < draws; i++) this.random();
    this.taken = draws;
  }
}
