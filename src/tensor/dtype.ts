/** Element types, their libtorch codes and the TypedArrays that carry their bytes. */

export const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

/** c10::ScalarType values; stable across libtorch releases. */
const CODES: Record<DType, number> = {
  uint8: 0,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};
const BY_CODE = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** The TypedArray that holds each dtype's raw bytes (16-bit floats as their bit patterns). */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type AnyTypedArray = TypedArrayOf[DType];

type TypedArrayCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => AnyTypedArray;
export const TYPED_ARRAY: Record<DType, TypedArrayCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

export function dtypeCode(dtype: DType): number {
  const code = CODES[dtype];
  if (code === undefined) throw new TypeError(`unknown dtype '${String(dtype)}'; expected one of ${DTYPES.join(', ')}`);
  return code;
}

export function dtypeFromCode(code: number): DType {
  const dtype = BY_CODE.get(code);
  if (dtype === undefined) throw new TypeError(`libtorch returned a tensor of scalar type ${code}, which rlhf-ts does not expose`);
  return dtype;
}

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** The dtype a TypedArray holds when the caller does not say. */
export function dtypeOfTypedArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError(
    `cannot infer a dtype from ${data.constructor.name}; pass { dtype } (Uint16Array holds float16 or bfloat16 bits)`,
  );
}
