// HostTensor <-> ort.Tensor without copies: both sides wrap the same typed array (ORT's dtype names
// are @ddpo/tensor's: float32, float64, int32, int64 as BigInt64Array, bool as Uint8Array).
import * as ort from 'onnxruntime-node';
import { HostTensor, type DType, type TensorMap } from '@ddpo/tensor';
import { OnnxRuntimeError } from './errors.js';

const DTYPES: readonly string[] = ['float32', 'float64', 'int32', 'int64', 'bool'] satisfies DType[];

/**
 * Wraps a host tensor as an ORT tensor over the same memory.
 *
 * @example
 * const t = toOrtTensor(tensor([1, 2], [2])); // ort.Tensor('float32', ..., [2])
 */
export function toOrtTensor(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.shape);
}

/**
 * Wraps an ORT output tensor as a host tensor over the same memory.
 *
 * @example
 * const h = fromOrtTensor(results.y);
 */
export function fromOrtTensor(t: ort.Tensor, name = 'output'): HostTensor {
  if (!DTYPES.includes(t.type)) throw new OnnxRuntimeError(`output '${name}' has ORT type ${t.type}, which @ddpo/tensor does not hold`);
  return new HostTensor(t.type as DType, t.dims, t.data as HostTensor['data']);
}

/** Converts every feed. */
export function toOrtFeeds(feeds: TensorMap): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) out[k] = toOrtTensor(v);
  return out;
}
