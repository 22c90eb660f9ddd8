// Movement primitives (reshape, transpose, broadcastTo, slice, concat, pad): shape rule, VJP and
// reference kernel side by side, then the user-facing functions, including unsqueeze / squeeze /
// flip, which are composites of these. Kernels copy elements by index; values never alias.
import { emit, type Sym } from '../builder.js';
import { allocate, isFloat, type TensorData } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { HostTensor, shapeSize, stridesOf } from '../host.js';
import type { PrimitiveParams, TypeInfo, MovementPrim } from '../ir.js';
import type { OpRules } from '../rules.js';
import { broadcastIndex, broadcastShapes, normalizeAxes, normalizeAxis, sameShape, unbroadcast } from './broadcast.js';

/** Declared in OP_CLASSES (ir.ts). */
export type { MovementPrim };

type Writable = { [i: number]: number | bigint };

/** Gathers `src` elements: output element i is `src[index(i)]`. */
function gatherRef(src: HostTensor, out: TypeInfo, index: (i: number) => number): HostTensor {
  const n = shapeSize(out.shape);
  const o = allocate(out.dtype, n) as Writable;
  const d = src.data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) o[i] = d[index(i)];
  return new HostTensor(out.dtype, out.shape, o as TensorData);
}

/**
 * Source offsets of a strided view: element i of `outShape` reads `base + sum_k idx_k * st[k]`.
 * Transpose, slice and pad are all such views (pad with -1 marking the padded cells).
 */
function viewIndex(outShape: readonly number[], base: number, st: readonly number[]): (i: number) => number {
  const rank = outShape.length;
  const outStrides = stridesOf(outShape);
  return (i) => {
    let off = base;
    for (let k = 0; k < rank; k++) {
      const q = Math.floor(i / outStrides[k]);
      i -= q * outStrides[k];
      off += q * st[k];
    }
    return off;
  };
}

function sliceOutDim(start: number, end: number, step: number): number {
  return Math.max(0, Math.ceil((end - start) / step));
}

function inferSlice([x]: TypeInfo[], p: PrimitiveParams['slice']): TypeInfo {
  const shape = [...x.shape];
  const n = p.axes.length;
  if (p.starts.length !== n || p.ends.length !== n || p.steps.length !== n) {
    throw new ShapeError('slice', [x.shape], `starts, ends, axes and steps must have one entry per sliced axis (got ${p.starts.length}, ${p.ends.length}, ${n}, ${p.steps.length})`);
  }
  p.axes.forEach((a, k) => {
    const { starts: s, ends: e, steps: st } = p;
    const dim = x.shape[a];
    const okStart = st[k] > 0 ? s[k] >= 0 && s[k] <= dim && e[k] >= 0 && e[k] <= dim : s[k] >= 0 && s[k] <= dim - 1 && e[k] >= -1 && e[k] <= dim - 1;
    if (!Number.isInteger(a) || a < 0 || a >= x.shape.length || shape[a] !== dim || !Number.isInteger(st[k]) || st[k] === 0 || (!okStart && dim > 0)) {
      throw new ShapeError('slice', [x.shape], `axis ${a}: start ${s[k]}, end ${e[k]}, step ${st[k]} are not a normalised slice of dimension ${dim}`);
    }
    shape[a] = dim === 0 ? 0 : sliceOutDim(s[k], e[k], st[k]);
  });
  return { shape, dtype: x.dtype };
}

/** Rules of the movement primitives. */
export const movementRules: { [P in MovementPrim]: OpRules<P> } = {
  reshape: {
    infer: ([x], p) => {
      if (p.shape.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(p.shape) !== shapeSize(x.shape)) {
        throw new ShapeError('reshape', [x.shape], `cannot reshape ${shapeSize(x.shape)} elements to [${p.shape.join(', ')}]; expected the same element count`);
      }
      return { shape: [...p.shape], dtype: x.dtype };
    },
    vjp: (g, [x]) => [reshape(g, [...x.shape])],
    ref: ([x], _p, out) => new HostTensor(out.dtype, out.shape, x.data.slice()),
  },
  transpose: {
    infer: ([x], p) => {
      const ok = p.perm.length === x.shape.length && [...p.perm].sort((a, b) => a - b).every((a, k) => a === k);
      if (!ok) throw new ShapeError('transpose', [x.shape], `perm [${p.perm.join(', ')}] is not a permutation of the ${x.shape.length} axes`);
      return { shape: p.perm.map((a) => x.shape[a]), dtype: x.dtype };
    },
    vjp: (g, _x, _out, p) => [transpose(g, inversePerm(p.perm))],
    ref: ([x], p, out) => {
      const st = stridesOf(x.shape);
      return gatherRef(x, out, viewIndex(out.shape, 0, p.perm.map((a) => st[a])));
    },
  },
  broadcastTo: {
    infer: ([x], p) => {
      const shape = broadcastShapes('broadcastTo', [x.shape, p.shape]);
      if (!sameShape(shape, p.shape)) {
        throw new ShapeError('broadcastTo', [x.shape], `cannot broadcast to [${p.shape.join(', ')}]; expected each dimension equal to the target or 1`);
      }
      return { shape, dtype: x.dtype };
    },
    vjp: (g, [x]) => [isFloat(x.dtype) ? unbroadcast(g, x.shape) : null],
    ref: ([x], _p, out) => {
      const map = broadcastIndex(x.shape, out.shape);
      return gatherRef(x, out, map ? (i) => map[i] : (i) => i);
    },
  },
  slice: {
    infer: inferSlice,
    vjp: (g, [x], _out, p) => [isFloat(x.dtype) ? unslice(g, x.shape, p) : null],
    ref: ([x], p, out) => {
      const st = stridesOf(x.shape);
      const steps = x.shape.map((_, k) => st[k]);
      let base = 0;
      p.axes.forEach((a, k) => {
        base += p.starts[k] * st[a];
        steps[a] = p.steps[k] * st[a];
      });
      return gatherRef(x, out, viewIndex(out.shape, base, steps));
    },
  },
  concat: {
    infer: (inputs, p) => {
      const first = inputs[0];
      const shapes = inputs.map((i) => i.shape);
      if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= first.shape.length) {
        throw new ShapeError('concat', shapes, `axis ${p.axis} is out of range for rank ${first.shape.length}`);
      }
      for (const i of inputs) {
        if (i.dtype !== first.dtype) throw new DTypeError('concat', inputs.map((t) => t.dtype), 'operands must have the same dtype');
        if (i.shape.length !== first.shape.length || i.shape.some((d, k) => k !== p.axis && d !== first.shape[k])) {
          throw new ShapeError('concat', shapes, `operands must match on every axis except ${p.axis}`);
        }
      }
      const shape = [...first.shape];
      shape[p.axis] = inputs.reduce((s, i) => s + i.shape[p.axis], 0);
      return { shape, dtype: first.dtype };
    },
    vjp: (g, inputs, _out, p) => {
      let at = 0;
      return inputs.map((x) => {
        const part = slice(g, [at], [at + x.shape[p.axis]], [p.axis]);
        at += x.shape[p.axis];
        return isFloat(x.dtype) ? part : null;
      });
    },
    ref: (inputs, p, out) => {
      const o = allocate(out.dtype, shapeSize(out.shape)) as Writable;
      const outer = shapeSize(out.shape.slice(0, p.axis));
      const inner = shapeSize(out.shape.slice(p.axis + 1));
      const row = out.shape[p.axis] * inner;
      let at = 0;
      for (const x of inputs) {
        const w = x.shape[p.axis] * inner, d = x.data as ArrayLike<number | bigint>;
        for (let r = 0; r < outer; r++) for (let j = 0; j < w; j++) o[r * row + at + j] = d[r * w + j];
        at += w;
      }
      return new HostTensor(out.dtype, out.shape, o as TensorData);
    },
  },
  pad: {
    infer: ([x], p) => {
      const r = x.shape.length;
      if (p.pads.length !== 2 * r || p.pads.some((v) => !Number.isInteger(v) || v < 0)) {
        throw new ShapeError('pad', [x.shape], `pads [${p.pads.join(', ')}] must be ${2 * r} non-negative integers (ONNX order: all begins, then all ends)`);
      }
      return { shape: x.shape.map((d, k) => d + p.pads[k] + p.pads[k + r]), dtype: x.dtype };
    },
    // Padding only adds constants: the cotangent of x is the interior of g.
    vjp: (g, [x], _out, p) => [isFloat(x.dtype) ? slice(g, p.pads.slice(0, x.rank), x.shape.map((d, k) => d + p.pads[k])) : null],
    ref: ([x], p, out) => padRef(x, p, out),
  },
};

function padRef(x: HostTensor, p: PrimitiveParams['pad'], out: TypeInfo): HostTensor {
  const r = x.shape.length;
  const n = shapeSize(out.shape);
  const o = allocate(out.dtype, n) as Writable;
  const fill = out.dtype === 'int64' ? BigInt(p.value) : p.value;
  const outStrides = stridesOf(out.shape), inStrides = stridesOf(x.shape);
  const d = x.data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) {
    let rem = i, off = 0, inside = true;
    for (let k = 0; k < r && inside; k++) {
      const q = Math.floor(rem / outStrides[k]) - p.pads[k];
      rem %= outStrides[k];
      inside = q >= 0 && q < x.shape[k];
      off += q * inStrides[k];
    }
    o[i] = inside ? d[off] : fill;
  }
  return new HostTensor(out.dtype, out.shape, o as TensorData);
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((a, k) => (inv[a] = k));
  return inv;
}

/** VJP of slice: scatter g back into zeros of x's shape, one sliced axis at a time. */
function unslice(g: Sym, shape: readonly number[], p: PrimitiveParams['slice']): Sym {
  let acc = g;
  p.axes.forEach((a, k) => {
    acc = unsliceAxis(acc, a, shape[a], p.starts[k], p.steps[k]);
  });
  return acc;
}

/**
 * Undoes a slice along one axis. A negative step reads x flipped (start' = dim-1-start, step'
 * = -step), so its VJP is the flip of the positive-step VJP. A step s > 1 interleaves s-1 zeros
 * after each element (unsqueeze, pad, reshape), then pads start zeros in front and the rest behind.
 */
function unsliceAxis(g: Sym, axis: number, dim: number, start: number, step: number): Sym {
  if (step < 0) return flip(unsliceAxis(g, axis, dim, dim - 1 - start, -step), [axis]);
  const n = g.shape[axis];
  if (n === 0) {
    const shape = [...g.shape];
    shape[axis] = dim;
    return broadcastTo(g.builder.scalar(0, g.dtype), shape);
  }
  let spread = g;
  if (step > 1) {
    const wide = pad(unsqueeze(g, axis + 1), axisPads(g.rank + 1, axis + 1, 0, step - 1));
    const shape = [...g.shape];
    shape[axis] = n * step;
    spread = slice(reshape(wide, shape), [0], [(n - 1) * step + 1], [axis]);
  }
  const used = (n - 1) * step + 1;
  return pad(spread, axisPads(g.rank, axis, start, dim - start - used));
}

/** ONNX pads for `rank` axes, padding only `axis` by `begin` / `end`. */
function axisPads(rank: number, axis: number, begin: number, end: number): number[] {
  const pads = new Array<number>(2 * rank).fill(0);
  pads[axis] = begin;
  pads[rank + axis] = end;
  return pads;
}

/**
 * Same elements, new shape; one entry may be -1 (inferred).
 *
 * @example
 * reshape(x, [2, -1]); // [2, 3, 4] -> [2, 12]
 */
export function reshape(x: Sym, shape: readonly number[]): Sym {
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new ShapeError('reshape', [x.shape], `target [${shape.join(', ')}] has more than one -1`);
  const known = shape.reduce((s, d) => (d === -1 ? s : s * d), 1);
  const full = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (holes === 1 && !Number.isInteger(full[shape.indexOf(-1)])) {
    throw new ShapeError('reshape', [x.shape], `cannot infer the -1 in [${shape.join(', ')}]: ${x.size} elements are not divisible by ${known}`);
  }
  return emit('reshape', movementRules.reshape, [x], { shape: full });
}

/**
 * Permutes axes (default: reverses them).
 *
 * @example
 * transpose(x, [0, 2, 1]); // [B, M, N] -> [B, N, M]
 */
export function transpose(x: Sym, perm?: readonly number[]): Sym {
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank, [x.shape])) : x.shape.map((_, k) => x.rank - 1 - k);
  return emit('transpose', movementRules.transpose, [x], { perm: p });
}

/**
 * Broadcasts to `shape` (NumPy rules).
 *
 * @example
 * broadcastTo(bias, [8, 16]); // [16] -> [8, 16]
 */
export function broadcastTo(x: Sym, shape: readonly number[]): Sym {
  return emit('broadcastTo', movementRules.broadcastTo, [x], { shape: [...shape] });
}

/** ONNX Slice normalisation of one axis: negative indices add dim, then clamp by step sign. */
function clampSlice(start: number, end: number, step: number, dim: number): [number, number] {
  const s = start < 0 ? start + dim : start;
  const e = end < 0 ? end + dim : end;
  if (step > 0) return [Math.min(Math.max(s, 0), dim), Math.min(Math.max(e, 0), dim)];
  return [Math.min(Math.max(s, 0), dim - 1), Math.min(Math.max(e, -1), dim - 1)];
}

/**
 * Strided slice with ONNX semantics: negative starts/ends count from the end, out-of-range
 * values clamp (use -Infinity as the end to run a negative step through index 0).
 *
 * @example
 * slice(x, [1], [3], [1]);                  // x[:, 1:3]
 * slice(x, [-1], [-Infinity], [0], [-1]);   // x[::-1]
 */
export function slice(x: Sym, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Sym {
  const ax = (axes ?? starts.map((_, k) => k)).map((a) => normalizeAxis('slice', a, x.rank, [x.shape]));
  const st = steps ?? ax.map(() => 1);
  if (starts.length !== ax.length || ends.length !== ax.length || st.length !== ax.length) {
    throw new ShapeError('slice', [x.shape], `starts (${starts.length}), ends (${ends.length}), axes (${ax.length}) and steps (${st.length}) must have equal lengths`);
  }
  const se = ax.map((a, k) => clampSlice(starts[k], ends[k], st[k], x.shape[a]));
  const params = { starts: se.map((v) => v[0]), ends: se.map((v) => v[1]), axes: ax, steps: [...st] };
  return emit('slice', movementRules.slice, [x], params);
}

/**
 * Joins tensors along `axis` (negative allowed).
 *
 * @example
 * concat([a, b], -1); // [2, 3] + [2, 5] -> [2, 8]
 */
export function concat(xs: readonly Sym[], axis: number): Sym {
  if (xs.length === 0) throw new ShapeError('concat', [], 'needs at least one operand');
  const a = normalizeAxis('concat', axis, xs[0].rank, xs.map((x) => x.shape));
  return emit('concat', movementRules.concat, xs, { axis: a });
}

/**
 * Constant padding, ONNX pads order [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. Negative
 * pads crop (done with a slice after the non-negative part).
 *
 * @example
 * pad(img, [0, 0, 1, 1, 0, 0, 1, 1]); // NCHW: one zero row/column on each side of H and W
 */
export function pad(x: Sym, pads: readonly number[], value = 0): Sym {
  const r = x.rank;
  if (pads.length !== 2 * r) throw new ShapeError('pad', [x.shape], `expected ${2 * r} pads (ONNX order), got ${pads.length}`);
  const padded = pads.some((v) => v > 0) ? emit('pad', movementRules.pad, [x], { pads: pads.map((v) => Math.max(v, 0)), value }) : x;
  if (pads.every((v) => v >= 0)) return padded;
  const starts = x.shape.map((_, k) => Math.max(-pads[k], 0));
  const ends = padded.shape.map((d, k) => d - Math.max(-pads[k + r], 0));
  return slice(padded, starts, ends);
}

/**
 * Inserts size-1 axes at `axes` (positions in the output, ONNX Unsqueeze).
 *
 * @example
 * unsqueeze(x, 0); // [3] -> [1, 3]
 */
export function unsqueeze(x: Sym, axes: number | readonly number[]): Sym {
  const outRank = x.rank + (typeof axes === 'number' ? 1 : axes.length);
  const ax = normalizeAxes('unsqueeze', axes, outRank, [x.shape]);
  const shape: number[] = [];
  let j = 0;
  for (let k = 0; k < outRank; k++) shape.push(ax.includes(k) ? 1 : x.shape[j++]);
  return reshape(x, shape);
}

/**
 * Removes size-1 axes (all of them when `axes` is omitted).
 *
 * @example
 * squeeze(x, [1]); // [3, 1] -> [3]
 */
export function squeeze(x: Sym, axes?: number | readonly number[]): Sym {
  const ax = axes === undefined ? x.shape.flatMap((d, k) => (d === 1 ? [k] : [])) : normalizeAxes('squeeze', axes, x.rank, [x.shape]);
  for (const a of ax) {
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', [x.shape], `axis ${a} has size ${x.shape[a]}; expected 1`);
  }
  return reshape(x, x.shape.filter((_, k) => !ax.includes(k)));
}

/**
 * Reverses the order of elements along `axes` (a slice with step -1).
 *
 * @example
 * flip(kernel, [2, 3]); // rotate a conv kernel by 180 degrees
 */
export function flip(x: Sym, axes: number | readonly number[]): Sym {
  const ax = normalizeAxes('flip', axes, x.rank, [x.shape]);
  if (ax.length === 0) return x;
  return slice(x, ax.map(() => -1), ax.map(() => -Infinity), ax, ax.map(() => -1));
}
