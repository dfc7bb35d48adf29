/**
 * What a failed collective means for the run: which rank stopped. Every rank records the step
 * it reached in the rendezvous store (ProcessGroup.heartbeat); when a collective fails (a peer's
 * connection closed, or distributed.timeout passed), the survivors read those records and name
 * the ranks that fell behind, or say that rank 0, which hosts the store, is gone.
 */
import { native } from '../native/binding.js';

/** A failure of the process group: what, and on which rank it was seen. */
export class DistributedError extends Error {
  constructor(
    message: string,
    readonly rank: number,
  ) {
    super(message);
    this.name = 'DistributedError';
  }
}

/** Seconds survivors wait for each other to check in after a failure. */
const CHECK_IN_SECONDS = 3;

/**
 * One sentence naming the ranks that died or stopped answering, and how to go on. Every
 * survivor of a failed collective checks in at the store; the ranks that have not within a few
 * seconds are the ones gone (with the step each last reported). If the store itself does not
 * answer, rank 0 (its host) is the one gone.
 * @example describeFault(group, 5) // 'rank 1 (last at step 3) died or stopped answering. ...'
 */
export function describeFault(group: { rank: number; worldSize: number }, myStep: number): string {
  const resume = 'The run stops; resume from the last checkpoint (--resume latest), at any world size.';
  try {
    native.storeSet(`rlhf/survivor/${group.rank}`, String(myStep));
  } catch {
    return `The rendezvous store on rank 0 does not answer: rank 0 died or its machine is unreachable. ${resume}`;
  }
  const others = Array.from({ length: group.worldSize }, (_, r) => r).filter((r) => r !== group.rank);
  const deadline = Date.now() + CHECK_IN_SECONDS * 1000;
  let missing = others;
  while (missing.length > 0 && Date.now() < deadline) {
    try {
      missing = missing.filter((r) => !native.storeCheck([`rlhf/survivor/${r}`]));
    } catch {
      return `The rendezvous store on rank 0 does not answer: rank 0 died or its machine is unreachable. ${resume}`;
    }
    if (missing.length > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  if (missing.length === 0) return `Every other rank is still alive; the collective itself failed (at step ${myStep}). ${resume}`;
  const lastStep = (r: number): string => {
    try {
      return native.storeCheck([`rlhf/step/${r}`]) ? ` (last at step ${native.storeGet(`rlhf/step/${r}`, 1000)})` : ' (never reported a step)';
    } catch {
      return '';
    }
  };
  return `${missing.map((r) => `rank ${r}${lastStep(r)}`).join(', ')} died or stopped answering (this rank: step ${myStep}). ${resume}`;
}
