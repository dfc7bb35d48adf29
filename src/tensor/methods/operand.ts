import type { NativeHandle } from '../../native/binding.js';
import { TensorBase } from '../base.js';

/** A tensor, or a JS number/boolean broadcast as a scalar. */
export type Operand = TensorBase | number | boolean;

export function operand(value: Operand): NativeHandle | number | boolean {
  return value instanceof TensorBase ? value.handle : value;
}
