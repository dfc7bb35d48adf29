/** The error every safetensors read or write failure becomes, naming the file and the tensor. */

/** A file that is not valid safetensors, or a tensor that cannot be written as one. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    /** The file (or '<buffer>') at fault. */
    readonly file: string,
    message: string,
    /** The tensor at fault, when there is one. */
    readonly tensorName?: string,
  ) {
    super(`${file}: ${tensorName === undefined ? '' : `tensor '${tensorName}': `}${message}`);
  }
}
