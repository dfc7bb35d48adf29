/** The pieces of one optimizer step that the offline and the online loops share. */
import type { AdamW, LrScheduler } from '../../optim/index.js';
import { clipGradNorm, GradScaler } from '../../optim/index.js';
import { tidy, type Tensor } from '../../tensor/index.js';
import { GradientCheckpoint } from '../../nn/checkpoint.js';
import { TrainingDivergedError } from './types.js';

/**
 * Runs `forward` in its own scope and then backward in another: the forward's temporaries go at
 * once, and each activation autograd saved is freed as soon as backward has used it (as in
 * PyTorch), instead of every tensor of the forward living until the step ends. Returns what
 * forward returned, with the loss as a number (the loss tensor is disposed). `scale` changes
 * the tensor backward starts from (loss scaling), not the returned loss.
 */
export function backwardScoped<T extends { loss: Tensor }>(
  forward: () => T,
  scale?: (loss: Tensor, out: T) => Tensor,
  checkpointing?: { precision: <R>(fn: () => R) => R } | null,
): Omit<T, 'loss'> & { loss: number } {
  // training.gradient_checkpointing: the layers keep no activations; backward replays them.
  const ckpt = checkpointing == null ? null : new GradientCheckpoint();
  try {
    const out = tidy(() => (ckpt === null ? forward() : ckpt.run(forward)));
    try {
      tidy(() => (scale === undefined ? out.loss : scale(out.loss, out)).backward());
      ckpt?.backward(checkpointing?.precision);
      return { ...out, loss: out.loss.item() };
    } finally {
      out.loss.dispose();
    }
  } finally {
    ckpt?.dispose();
  }
}

/** A disabled scaler: every method passes through, so float32 runs take the same path. */
const NO_SCALING = new GradScaler({ enabled: false });

/**
 * Clips the accumulated gradients to `maxGradNorm` (0 = no clipping), stops on a non-finite
 * norm, steps the optimizer and the schedule, and clears the gradients. Returns the lr the step
 * used and the norm before clipping.
 *
 * With an enabled `scaler` (float16) the gradients are unscaled first, and a non-finite norm is
 * an overflow, not divergence: as torch.cuda.amp and HF's Trainer, the optimizer and the
 * schedule skip the step and the scale backs off (`skipped`). A disabled scaler passes through.
 */
export function applyUpdate(
  step: number,
  params: readonly Tensor[],
  optimizer: AdamW,
  scheduler: LrScheduler,
  maxGradNorm: number,
  scaler: GradScaler = NO_SCALING,
): { lr: number; gradNorm: number; skipped: boolean } {
  scaler.unscale_(optimizer);
  const gradNorm = clipGradNorm([...params], maxGradNorm > 0 ? maxGradNorm : Infinity);
  if (!Number.isFinite(gradNorm) && !scaler.enabled) throw new TrainingDivergedError(step, 'the gradient norm', gradNorm);
  const lr = scheduler.getLastLr()[0] ?? 0;
  const stepped = tidy(() => scaler.step(optimizer));
  scaler.update();
  optimizer.zeroGrad();
  if (stepped) scheduler.step();
  return { lr, gradNorm, skipped: !stepped };
}
