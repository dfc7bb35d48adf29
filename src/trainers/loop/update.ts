/** The pieces of one optimizer step that the offline and the online loops share. */
import type { AdamW, LrScheduler } from '../../optim/index.js';
import { clipGradNorm } from '../../optim/index.js';
import { tidy, type Tensor } from '../../tensor/index.js';
import { TrainingDivergedError } from './types.js';

/**
 * Runs `forward` in its own scope and then backward in another: the forward's temporaries go at
 * once, and each activation autograd saved is freed as soon as backward has used it (as in
 * PyTorch), instead of every tensor of the forward living until the step ends. Returns what
 * forward returned, with the loss as a number (the loss tensor is disposed).
 */
export function backwardScoped<T extends { loss: Tensor }>(forward: () => T): Omit<T, 'loss'> & { loss: number } {
  const out = tidy(forward);
  try {
    tidy(() => out.loss.backward());
    return { ...out, loss: out.loss.item() };
  } finally {
    out.loss.dispose();
  }
}

/**
 * Clips the accumulated gradients to `maxGradNorm` (0 = no clipping), stops on a non-finite
 * norm, steps the optimizer and the schedule, and clears the gradients. Returns the lr the step
 * used and the norm before clipping.
 */
export function applyUpdate(step: number, params: readonly Tensor[], optimizer: AdamW, scheduler: LrScheduler, maxGradNorm: number): { lr: number; gradNorm: number } {
  const gradNorm = clipGradNorm([...params], maxGradNorm > 0 ? maxGradNorm : Infinity);
  if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step, 'the gradient norm', gradNorm);
  const lr = scheduler.getLastLr()[0] ?? 0;
  tidy(() => optimizer.step());
  optimizer.zeroGrad();
  scheduler.step();
  return { lr, gradNorm };
}
