/**
 * A libtorch error surfaced in JS: the op that failed, libtorch's own message, and the shapes
 * and dtypes of the tensor arguments, e.g.
 * `matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5) [inputs: [2, 3] float, [4, 5] float]`.
 */
export class TorchError extends Error {
  override readonly name = 'TorchError';
  constructor(
    /** libtorch's message, without its C++ backtrace. */
    readonly torchMessage: string,
    /** The rlhf-ts native op that raised it. */
    readonly op: string,
    /** Shapes and dtypes of the tensor arguments. */
    readonly inputs: string,
  ) {
    super(`${op}: ${torchMessage.trim()}${inputs ? ` [inputs: ${inputs}]` : ''}`);
  }
}
