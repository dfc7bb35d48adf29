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

/** Seconds the diagnosis waits for each record (the store answers at once when it is alive). */
const PROBE_SECONDS = 2;

/**
 * One sentence naming the ranks behind `myStep` (or unreachable), and how to go on.
 * @example describeFault(group, 5) // 'rank 1 last reported step 3 (this rank: step 5): it died or stopped answering. ...'
 */
export function describeFault(group: { rank: number; worldSize: number }, myStep: number): string {
  const behind: string[] = [];
  for (let r = 0; r < group.worldSize; r++) {
    if (r === group.rank) continue;
    let step: number;
    try {
      step = Number(native.storeGet(`rlhf/step/${r}`, PROBE_SECONDS * 1000));
    } catch {
      if (r === 0 || group.rank === 0) {
        return `The rendezvous store on rank 0 does not answer: rank 0 died or its machine is unreachable. The run stops; resume from the last checkpoint (--resume latest), at any world size.`;
      }
      behind.push(`rank ${r} never reported`);
      continue;
    }
    if (step < myStep) behind.push(`rank ${r} last reported step ${step}`);
  }
  const who = behind.length > 0 ? `${behind.join(', ')} (this rank: step ${myStep}): it died or stopped answering.` : `Every rank reported step ${myStep}; a peer died or stopped answering inside it.`;
  return `${who} The run stops; resume from the last checkpoint (--resume latest), at any world size.`;
}
