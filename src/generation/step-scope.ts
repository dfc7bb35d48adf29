/** The scope of a decoding step's tensor work, shared by generate and generateContinuous. */
import { noGrad, tidy, withDecodeKernels } from '../tensor/index.js';

/** Runs fn without gradients, in its own tidy scope, with the decoding kernels on (setDecodeKernels). */
export function decodingStep<T>(fn: () => T): T {
  return withDecodeKernels(() => noGrad(() => tidy(fn)));
}
