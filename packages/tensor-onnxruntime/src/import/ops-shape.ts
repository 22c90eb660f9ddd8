// ONNX -> IR handlers for constants, shape computations and data movement. Shape-valued operands
// (Reshape's shape, Slice's bounds, Resize's scales...) must be known at import time: Shape of a
// traced value is its static shape, and ops on known values are folded by the importer.
import {
  allocate, broadcastTo, cast, concat, full, gather, HostTensor, pad, reshape, slice, squeeze, tensor, transpose, unsqueeze, where,
  type DType, type Sym,
} from '@ddpo/tensor';
import { OnnxImportError } from '../errors.js';
import { dtypeOf } from '../proto.js';
import type { HandlerOutput, NodeContext, OnnxHandler } from './context.js';

const int64 = (values: readonly number[], shape = [values.length]) => tensor(values.map((v) => BigInt(v)), shape, 'int64');

function constant(cx: NodeContext): HandlerOutput[] {
  const v = cx.constantValue();
  if (v instanceof HostTensor) return [v];
  if (v.float !== undefined) return [tensor([v.float], [])];
  if (v.floats !== undefined) return [tensor(v.floats, [v.floats.length])];
  if (v.int !== undefined) return [int64([v.int], [])];
  return [int64(v.ints ?? [])];
}

/** Shape (with opset-15 start/end) of any operand: traced values have static shapes. */
function shape(cx: NodeContext): HandlerOutput[] {
  const dims = cx.shapeOf(0);
  const r = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return [int64(dims.slice(clamp(cx.int('start', 0)), clamp(cx.int('end', r))))];
}

/** Gather along any axis: the IR gathers along axis 0, so other axes are moved there and back. */
function gatherHandler(cx: NodeContext): Sym[] {
  const data = cx.sym(0);
  const axis = normAxis(cx.int('axis', 0), data.rank);
  const dim = data.shape[axis];
  // Negative indices count from the end (ONNX); fix them when known, else select at run time.
  let idx: Sym;
  try {
    const h = cx.host(1, 'indices');
    idx = data.builder.constant(int64(h.toArray().map((i) => (i < 0 ? i + dim : i)), [...h.shape]));
  } catch {
    idx = cx.sym(1);
  }
  if (axis === 0) return [gather(data, idx)];
  const rest = data.shape.map((_, k) => k).filter((k) => k !== axis);
  const moved = gather(transpose(data, [axis, ...rest]), idx);
  // moved: [...I, ...dims before axis, ...dims after]; put I back at `axis`.
  const ni = idx.rank;
  const perm = [...range(ni, ni + axis), ...range(0, ni), ...range(ni + axis, moved.rank)];
  return [transpose(moved, perm)];
}

const range = (a: number, b: number) => Array.from({ length: Math.max(b - a, 0) }, (_, k) => a + k);
const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Axes from an input (opset >= 13) or the `axes` attribute (before). */
function axesOf(cx: NodeContext, i: number): number[] | undefined {
  if (cx.opset >= 13) return cx.has(i) ? cx.ints(i, 'axes') : undefined;
  return cx.intList('axes');
}

function reshapeHandler(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const target = cx.ints(1, 'shape');
  const allowZero = cx.int('allowzero', 0) === 1;
  // allowzero = 0: a 0 copies the input's dimension at that index.
  return [reshape(x, target.map((d, k) => (d === 0 && !allowZero ? x.shape[k] : d)))];
}

function flatten(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const axis = normAxis(cx.int('axis', 1), x.rank);
  const lead = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  return [reshape(x, [lead, -1])];
}

function sliceHandler(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  if (cx.opset < 10) return [slice(x, cx.intList('starts') ?? [], cx.intList('ends') ?? [], cx.intList('axes'))];
  const axes = cx.has(3) ? cx.ints(3, 'axes') : undefined;
  const steps = cx.has(4) ? cx.ints(4, 'steps') : undefined;
  return [slice(x, cx.ints(1, 'starts'), cx.ints(2, 'ends'), axes, steps)];
}

/** Expand broadcasts both ways: the output shape is broadcast(x.shape, shape). */
function expand(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const s = cx.ints(1, 'shape');
  const r = Math.max(x.rank, s.length);
  const a = [...new Array<number>(r - x.rank).fill(1), ...x.shape];
  const b = [...new Array<number>(r - s.length).fill(1), ...s];
  return [broadcastTo(x, a.map((d, k) => (d === 1 ? b[k] : d)))];
}

function padHandler(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const mode = cx.string('mode', 'constant');
  if (mode !== 'constant') throw new OnnxImportError(`${cx.where}: Pad mode '${mode}' is not supported (constant only)`);
  let pads = cx.opset >= 11 ? cx.ints(1, 'pads') : (cx.intList('pads') ?? []);
  const value = cx.opset >= 11 ? (cx.has(2) ? cx.host(2, 'constant_value').toArray()[0] : 0) : cx.float('value', 0);
  if (cx.arity > 3 && cx.has(3)) {
    const axes = cx.ints(3, 'axes').map((a) => normAxis(a, x.rank));
    const full_ = new Array<number>(2 * x.rank).fill(0);
    axes.forEach((a, k) => ((full_[a] = pads[k]), (full_[a + x.rank] = pads[k + axes.length])));
    pads = full_;
  }
  return [pad(x, pads, value)];
}

/**
 * Resize, nearest mode, integer scale factors: each output index i reads floor(i / s), which is what
 * (asymmetric, floor) and (half_pixel, round_prefer_*) give for integer s. Lowered as
 * reshape [.., d, 1, ..] -> broadcast [.., d, s, ..] -> reshape [.., d*s, ..].
 */
function resize(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const mode = cx.string('mode', 'nearest');
  const ctm = cx.string('coordinate_transformation_mode', 'half_pixel');
  const nearest = cx.string('nearest_mode', 'round_prefer_floor');
  const ok = ctm === 'asymmetric' ? nearest === 'floor' : (ctm === 'half_pixel' || ctm === 'pytorch_half_pixel') && nearest.startsWith('round_prefer');
  if (mode !== 'nearest' || !ok) {
    throw new OnnxImportError(`${cx.where}: only nearest resizing by integer factors is supported (mode ${mode}, coordinate_transformation_mode ${ctm}, nearest_mode ${nearest})`);
  }
  const scales = cx.has(2) && cx.shapeOf(2)[0] > 0 ? cx.host(2, 'scales').toArray() : cx.ints(3, 'sizes').map((s, k) => s / x.shape[k]);
  if (scales.length !== x.rank || scales.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new OnnxImportError(`${cx.where}: scales [${scales.join(', ')}] are not positive integers, one per axis of [${x.shape.join(', ')}]`);
  }
  const inter = x.shape.flatMap((d) => [d, 1]);
  const big = x.shape.flatMap((d, k) => [d, scales[k]]);
  return [reshape(broadcastTo(reshape(x, inter), big), x.shape.map((d, k) => d * scales[k]))];
}

function constantOfShape(cx: NodeContext): HandlerOutput[] {
  const dims = cx.ints(0, 'shape');
  // The fill value is a one-element tensor attribute; float32 zero by default.
  const t = cx.tensorAttr('value') ?? tensor([0], [1]);
  return [full(dims, Number(t.data[0]), t.dtype)];
}

function castHandler(cx: NodeContext): Sym[] {
  const to = dtypeOf(cx.int('to', 0));
  if (to === undefined) throw new OnnxImportError(`${cx.where}: Cast to ONNX type ${cx.int('to', 0)} is not supported (float, double, int32, int64, bool)`);
  return [cast(cx.sym(0), to)];
}

/** Split into pieces given by `split` (input from opset 13, attribute before) or equally by the output count. */
function split(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const axis = normAxis(cx.int('axis', 0), x.rank);
  const n = cx.node.output.length;
  let sizes = cx.opset >= 13 ? (cx.has(1) ? cx.ints(1, 'split') : undefined) : cx.intList('split');
  if (sizes === undefined) {
    const chunk = Math.ceil(x.shape[axis] / n);
    sizes = range(0, n).map((k) => Math.min(chunk, x.shape[axis] - k * chunk));
  }
  let at = 0;
  return sizes.map((s) => slice(x, [at], [(at += s)], [axis]));
}

/** Range(start, limit, delta), computed at import time. */
function rangeHandler(cx: NodeContext): HandlerOutput[] {
  const [start, limit, delta] = [0, 1, 2].map((i) => Number(cx.host(i, 'range bound').data[0]));
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const dtype: DType = cx.dtypeOf(0);
  const out = allocate(dtype, n) as { [k: number]: number | bigint };
  for (let k = 0; k < n; k++) out[k] = dtype === 'int64' ? BigInt(start + k * delta) : start + k * delta;
  return [new HostTensor(dtype, [n], out as never)];
}

/** Handlers of the constant, shape and movement ops. */
export const shapeHandlers: Record<string, OnnxHandler> = {
  Constant: constant,
  Shape: shape,
  Size: (cx) => [int64([cx.shapeOf(0).reduce((p, d) => p * d, 1)], [])],
  Identity: (cx) => [cx.sym(0)],
  Dropout: (cx) => [cx.sym(0)],
  Gather: gatherHandler,
  Unsqueeze: (cx) => [unsqueeze(cx.sym(0), axesOf(cx, 1) ?? [])],
  Squeeze: (cx) => [squeeze(cx.sym(0), axesOf(cx, 1))],
  Concat: (cx) => [concat(cx.syms(), cx.int('axis', 0))],
  Reshape: reshapeHandler,
  Flatten: flatten,
  Transpose: (cx) => [transpose(cx.sym(0), cx.intList('perm'))],
  Slice: sliceHandler,
  Expand: expand,
  Pad: padHandler,
  Resize: resize,
  ConstantOfShape: constantOfShape,
  Cast: castHandler,
  Where: (cx) => [where(cx.sym(0), cx.sym(1), cx.sym(2))],
  Split: split,
  Range: rangeHandler,
};
