// Reduction primitives (reduceSum, reduceMax): shape rule, VJP and reference kernel side by side,
// then the user-facing sum / mean / max. Float sums accumulate in float64 and round once to the
// output dtype; max propagates NaN (like NumPy's max and ONNX ReduceMax).
import { emit, type Sym } from '../builder.js';
import { allocate, isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { HostTensor } from '../host.js';
import type { TypeInfo, ReducePrim } from '../ir.js';
import type { OpRules } from '../rules.js';
import { broadcastIndex, normalizeAxes } from './broadcast.js';
import { cast, div, equal, mul } from './elementwise.js';
import { broadcastTo, reshape } from './movement.js';

/** Declared in OP_CLASSES (ir.ts). */
export type { ReducePrim };

type ReduceParams = { axes: number[]; keepDims: boolean };

/** The input shape with the reduced axes set to 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, k) => (axes.includes(k) ? 1 : d));
}

function inferReduce(op: ReducePrim, [x]: TypeInfo[], p: ReduceParams): TypeInfo {
  if (x.dtype === 'bool') throw new DTypeError(op, [x.dtype], 'bool is not accepted; cast to a number type first');
  const sorted = p.axes.every((a, k) => Number.isInteger(a) && a >= 0 && a < x.shape.length && (k === 0 || a > p.axes[k - 1]));
  if (!sorted) {
    throw new ShapeError(op, [x.shape], `axes [${p.axes.join(', ')}] must be sorted, unique and in [0, ${x.shape.length})`);
  }
  const shape = p.keepDims ? keptShape(x.shape, p.axes) : x.shape.filter((_, k) => !p.axes.includes(k));
  return { shape, dtype: x.dtype };
}

/** Accumulates `x` into the output cells `map` sends each element to, with `step(acc, v)`. */
function reduceRef(x: HostTensor, p: ReduceParams, out: TypeInfo, init: number, step: (acc: number, v: number) => number, step64: (acc: bigint | null, v: bigint) => bigint): HostTensor {
  const map = broadcastIndex(keptShape(x.shape, p.axes), x.shape);
  const n = out.shape.reduce((s, d) => s * d, 1);
  const at = (i: number): number => (map ? map[i] : i);
  if (out.dtype === 'int64') {
    const acc = new Array<bigint | null>(n).fill(null), xd = x.data as BigInt64Array;
    for (let i = 0; i < xd.length; i++) acc[at(i)] = step64(acc[at(i)], xd[i]);
    return new HostTensor('int64', out.shape, BigInt64Array.from(acc, (v) => v ?? 0n));
  }
  const acc = new Float64Array(n).fill(init), xd = x.data as ArrayLike<number>;
  for (let i = 0; i < xd.length; i++) acc[at(i)] = step(acc[at(i)], xd[i]);
  const o = allocate(out.dtype, n) as Float64Array;
  o.set(acc);
  return new HostTensor(out.dtype, out.shape, o as never);
}

/** Rules of the reduction primitives. */
export const reduceRules: { [P in ReducePrim]: OpRules<P> } = {
  reduceSum: {
    infer: (inputs, p) => inferReduce('reduceSum', inputs, p),
    // d sum / dx = 1 for every element: broadcast the cotangent back over the reduced axes.
    vjp: (g, [x], _out, p) => [isFloat(x.dtype) ? broadcastTo(reshape(g, keptShape(x.shape, p.axes)), [...x.shape]) : null],
    ref: ([x], p, out) =>
      reduceRef(x, p, out, 0, (a, v) => a + v, (a, v) => BigInt.asIntN(64, (a ?? 0n) + v)),
  },
  reduceMax: {
    infer: (inputs, p) => inferReduce('reduceMax', inputs, p),
    // The cotangent goes to the positions equal to the max, shared evenly among ties (like
    // PyTorch's amax), so the VJP of a row of equal values sums to g, not k * g.
    vjp: (g, [x], out, p) => {
      if (!isFloat(x.dtype)) return [null];
      const kept = keptShape(x.shape, p.axes);
      const mask = cast(equal(x, reshape(out, kept)), x.dtype);
      const count = emit('reduceSum', reduceRules.reduceSum, [mask], { axes: p.axes, keepDims: true });
      return [mul(div(mask, count), reshape(g, kept))];
    },
    // `v !== v` keeps a NaN once seen: NaN propagates.
    ref: ([x], p, out) =>
      reduceRef(x, p, out, -Infinity, (a, v) => (v > a || v !== v ? v : a), (a, v) => (a === null || v > a ? v : a)),
  },
};

/**
 * Sum over `axes` (number or list, negatives count from the end; omitted = every axis).
 *
 * @example
 * sum(x, -1);            // [B, D] -> [B]
 * sum(x, [0], true);     // [B, D] -> [1, D]
 */
export function sum(x: Sym, axes?: number | readonly number[], keepDims = false): Sym {
  const a = normalizeAxes('sum', axes, x.rank, [x.shape]);
  return emit('reduceSum', reduceRules.reduceSum, [x], { axes: a, keepDims });
}

/**
 * Mean over `axes` (floats only): the sum divided by the number of reduced elements.
 *
 * @example
 * mean(loss);            // every axis -> scalar []
 */
export function mean(x: Sym, axes?: number | readonly number[], keepDims = false): Sym {
  if (!isFloat(x.dtype)) throw new DTypeError('mean', [x.dtype], 'expected float32 or float64; cast first');
  const a = normalizeAxes('mean', axes, x.rank, [x.shape]);
  const count = a.reduce((n, k) => n * x.shape[k], 1);
  return div(sum(x, a, keepDims), count);
}

/**
 * Maximum over `axes` (NaN propagates).
 *
 * @example
 * max(logits, -1, true); // [B, K] -> [B, 1]
 */
export function max(x: Sym, axes?: number | readonly number[], keepDims = false): Sym {
  const a = normalizeAxes('max', axes, x.rank, [x.shape]);
  return emit('reduceMax', reduceRules.reduceMax, [x], { axes: a, keepDims });
}
