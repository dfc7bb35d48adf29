/** Making every rank's model start from rank 0's weights, as DistributedDataParallel does at construction. */
import type { Tensor } from '../tensor/index.js';
import type { ProcessGroup } from './process-group.js';

/**
 * Copies rank 0's values of `tensors` into every rank's, in place (all broadcasts in flight at
 * once). Every rank passes its tensors in the same order.
 */
export function broadcastParameters(group: ProcessGroup, tensors: readonly Tensor[]): void {
  const works = tensors.map((t) => group.broadcastAsync(t, 0));
  for (const w of works) w.wait();
}
