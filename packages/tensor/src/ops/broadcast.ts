// Shape helpers shared by the op families: NumPy/ONNX broadcasting, axis normalisation, the index
// maps the reference kernels use to read broadcast operands, and `unbroadcast` (the VJP of an
// implicit broadcast: sum over the stretched axes, then reshape back).
import type { Sym } from '../builder.js';
import { ShapeError } from '../errors.js';
import { stridesOf } from '../host.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';

/**
 * The broadcast shape of several operands (NumPy rules: align trailing dims; each pair equal or 1).
 *
 * @example
 * broadcastShapes('add', [[2, 1, 3], [4, 1]]); // [2, 4, 3]
 */
export function broadcastShapes(op: string, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let k = 0; k < s.length; k++) {
      const o = rank - s.length + k;
      const d = s[k];
      if (d === out[o] || d === 1) continue;
      if (out[o] !== 1) {
        throw new ShapeError(op, shapes, `cannot broadcast dimension ${d} against ${out[o]} (axis ${o - rank} from the end); expected equal sizes or 1`);
      }
      out[o] = d;
    }
  }
  return out;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/**
 * Normalises an axis list against a rank: negatives count from the end; result sorted and unique.
 * `undefined` means every axis.
 *
 * @example
 * normalizeAxes('sum', [-1, 0], 3, [[2, 3, 4]]); // [0, 2]
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number, shapes: readonly (readonly number[])[]): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, k) => k);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank, shapes));
  const sorted = [...out].sort((x, y) => x - y);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k] === sorted[k - 1]) throw new ShapeError(op, shapes, `axis ${sorted[k]} is listed twice in [${list.join(', ')}]`);
  }
  return sorted;
}

/** One axis in [-rank, rank) made non-negative, or a ShapeError. */
export function normalizeAxis(op: string, axis: number, rank: number, shapes: readonly (readonly number[])[]): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(op, shapes, `axis ${axis} is out of range; expected an integer in [${-rank}, ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * For each flat index of `outShape`, the flat index of the operand of shape `inShape` that
 * broadcasting reads there; `null` when the shapes are equal (the identity map).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array | null {
  if (sameShape(inShape, outShape)) return null;
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  // Strides of the operand aligned to the output's axes, 0 on the axes it is stretched along.
  const st = new Array<number>(rank).fill(0);
  for (let k = 0; k < inShape.length; k++) {
    const o = rank - inShape.length + k;
    st[o] = inShape[k] === 1 ? 0 : inStrides[k];
  }
  let size = 1;
  for (const d of outShape) size *= d;
  const map = new Int32Array(size);
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    map[i] = off;
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      off += st[k];
      if (idx[k] < outShape[k]) break;
      off -= st[k] * idx[k];
      idx[k] = 0;
    }
  }
  return map;
}

/**
 * Reduces a cotangent of a broadcast shape back to an operand's shape: sum over the axes that
 * broadcasting added or stretched, then reshape (d/dx of broadcast is the sum over copies).
 *
 * @example
 * const gb = unbroadcast(g, [3]); // g: [2, 3] -> sum over axis 0 -> [3]
 */
export function unbroadcast(g: Sym, shape: readonly number[]): Sym {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let k = 0; k < g.rank; k++) {
    if (k < lead || (shape[k - lead] === 1 && g.shape[k] !== 1)) axes.push(k);
  }
  return reshapeTo(sumAxes(g, axes), shape);
}

function sumAxes(g: Sym, axes: number[]): Sym {
  return axes.length === 0 ? g : sum(g, axes, false);
}

function reshapeTo(g: Sym, shape: readonly number[]): Sym {
  return sameShape(g.shape, shape) ? g : reshape(g, [...shape]);
}
