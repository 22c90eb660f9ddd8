// Host tensors: a typed array with a shape and a dtype, row-major (C order). What graphs take in
// and give back on every adapter.
import ndarray from 'ndarray';
import { allocate, dtypeOfArray, type DType, type DTypeArrayMap, type TensorData } from './dtype.js';
import { DdpoError, ShapeError } from './errors.js';

/** Number of elements of a shape (1 for a scalar []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * A tensor held on the host: `data` in row-major order, `shape`, `dtype`.
 *
 * @example
 * const x = new HostTensor('float32', [2, 2], new Float32Array([1, 2, 3, 4]));
 * x.get(1, 0); // 3
 */
export class HostTensor<D extends DType = DType> {
  readonly shape: readonly number[];
  constructor(
    readonly dtype: D,
    shape: readonly number[],
    readonly data: DTypeArrayMap[D],
  ) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError('tensor', [shape], `dimension ${d} is not a non-negative integer`);
    }
    if (shapeSize(shape) !== data.length) {
      throw new ShapeError('tensor', [shape], `shape holds ${shapeSize(shape)} elements but data has ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Element at a multi-index (numbers; int64 elements come back as bigint). */
  get(...index: number[]): number | bigint {
    if (index.length !== this.shape.length) {
      throw new ShapeError('get', [this.shape], `expected ${this.shape.length} indices, got ${index.length}`);
    }
    const strides = stridesOf(this.shape);
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= this.shape[i]) throw new ShapeError('get', [this.shape], `index ${index[i]} out of range on axis ${i}`);
      off += index[i] * strides[i];
    }
    return this.data[off];
  }

  /** An ndarray view over the same memory (no copy), for strided indexing. */
  view(): ndarray.NdArray<DTypeArrayMap[D]> {
    return ndarray(this.data as never, [...this.shape]) as ndarray.NdArray<DTypeArrayMap[D]>;
  }

  /** Elements as plain numbers (int64 converted with Number()). */
  toArray(): number[] {
    return Array.from(this.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  /** A copy with a new shape of the same size. */
  reshape(shape: readonly number[]): HostTensor<D> {
    return new HostTensor(this.dtype, shape, this.data);
  }

  /** A deep copy. */
  clone(): HostTensor<D> {
    return new HostTensor(this.dtype, this.shape, this.data.slice() as DTypeArrayMap[D]);
  }
}

/**
 * Makes a host tensor. `data` is a typed array (its dtype is used unless `dtype` says otherwise
 * and matches) or a nested-free plain array of numbers (float32 by default) or bigints (int64).
 *
 * @example
 * const x = tensor([1, 2, 3, 4], [2, 2]);              // float32
 * const y = tensor(new Float64Array(4), [4]);          // float64
 * const p = tensor([0n, 5n], [2], 'int64');            // int64 as BigInt64Array
 */
export function tensor<D extends DType = 'float32'>(
  data: TensorData | readonly number[] | readonly bigint[],
  shape?: readonly number[],
  dtype?: D,
): HostTensor<D> {
  const dims = shape ?? [data.length];
  if (ArrayBuffer.isView(data)) {
    const actual = dtypeOfArray(data);
    if (dtype !== undefined && dtype !== actual) {
      throw new DdpoError(`tensor: data is a ${actual} array but dtype ${dtype} was asked for; convert it first`);
    }
    return new HostTensor(actual as D, dims, data as DTypeArrayMap[D]);
  }
  const dt = (dtype ?? (typeof data[0] === 'bigint' ? 'int64' : 'float32')) as D;
  const out = allocate(dt, data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    (out as { [k: number]: number | bigint })[i] = dt === 'int64' ? BigInt(v) : Number(v);
  }
  return new HostTensor(dt, dims, out);
}

/** A tensor of zeros. */
export function zeros<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): HostTensor<D> {
  return new HostTensor(dtype, shape, allocate(dtype, shapeSize(shape)));
}

/** A tensor filled with one value. */
export function full<D extends DType = 'float32'>(shape: readonly number[], value: number, dtype: D = 'float32' as D): HostTensor<D> {
  const t = zeros(shape, dtype);
  (t.data as { fill(v: number | bigint): unknown }).fill(dtype === 'int64' ? BigInt(value) : value);
  return t;
}

/** Converts a host tensor to another dtype (floats truncate toward zero when cast to ints). */
export function castHost<D extends DType>(t: HostTensor, dtype: D): HostTensor<D> {
  if (t.dtype === dtype) return t as unknown as HostTensor<D>;
  const out = allocate(dtype, t.size);
  for (let i = 0; i < t.size; i++) {
    const v = Number(t.data[i]);
    (out as { [k: number]: number | bigint })[i] =
      dtype === 'int64' ? BigInt(Math.trunc(v)) : dtype === 'bool' ? (v !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(v) : v;
  }
  return new HostTensor(dtype, t.shape, out);
}
