// Element types of host and graph tensors, and the typed arrays that hold them.
// int64 is held as a BigInt64Array (exact, as ONNX and safetensors store it); bool as a Uint8Array of 0/1.

/** The element types a tensor can have. */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

/** The typed array that backs each dtype. */
export interface DTypeArrayMap {
  float32: Float32Array<ArrayBuffer>;
  float64: Float64Array<ArrayBuffer>;
  int32: Int32Array<ArrayBuffer>;
  int64: BigInt64Array<ArrayBuffer>;
  bool: Uint8Array<ArrayBuffer>;
}

/** Any typed array that backs a tensor. */
export type TensorData = DTypeArrayMap[DType];

/** True for float32 and float64. */
export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** Allocates a zero-filled typed array for `dtype`. */
export function allocate<D extends DType>(dtype: D, size: number): DTypeArrayMap[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as DTypeArrayMap[D];
    case 'float64':
      return new Float64Array(size) as DTypeArrayMap[D];
    case 'int32':
      return new Int32Array(size) as DTypeArrayMap[D];
    case 'int64':
      return new BigInt64Array(size) as DTypeArrayMap[D];
    case 'bool':
      return new Uint8Array(size) as DTypeArrayMap[D];
    default:
      return dtype satisfies never;
  }
}

/** The dtype a typed array holds (Uint8Array is read as bool). */
export function dtypeOfArray(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'bool';
  throw new TypeError(`unsupported typed array ${Object.prototype.toString.call(data)}`);
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'float64':
    case 'int64':
      return 8;
    case 'bool':
      return 1;
    default:
      return dtype satisfies never;
  }
}
