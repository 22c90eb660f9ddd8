// ONNX -> IR handlers for arithmetic, activations, Gemm/MatMul/Conv, normalizations, reductions and
// Softmax. Each is a composite of @ddpo/tensor ops, so its gradient comes from the primitives' VJPs.
import {
  add, conv2d, convTranspose2d, cos, div, equal, exp, greater, less, log, logSumExp, matmul, max, maximum, mean, minimum, mul, neg, pow,
  reshape, sigmoid, sin, slice, concat, softmax, sqrt, sub, sum, tensor, transpose, unsqueeze, squeeze, where, cast, type Sym,
} from '@ddpo/tensor';
import { OnnxImportError } from '../errors.js';
import type { NodeContext, OnnxHandler } from './context.js';

const un = (f: (x: Sym) => Sym): OnnxHandler => (cx) => [f(cx.sym(0))];
const bin = (f: (a: Sym, b: Sym) => Sym): OnnxHandler => (cx) => [f(cx.sym(0), cx.sym(1))];
/** Variadic Max/Min/Sum fold pairwise. */
const fold = (f: (a: Sym, b: Sym) => Sym): OnnxHandler => (cx) => [cx.syms().reduce((a, b) => f(a, b))];

// Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) e^{-x^2}, t = 1 / (1 + p|x|), |error| <= 1.5e-7.
const ERF_P = 0.3275911;
const ERF_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
function erf(x: Sym): Sym {
  const neg_ = less(x, 0);
  const ax = where(neg_, neg(x), x);
  const t = div(1, add(mul(ax, ERF_P), 1));
  let poly = mul(t, ERF_A[4]);
  for (let k = 3; k >= 0; k--) poly = mul(t, add(poly, ERF_A[k]));
  const y = sub(1, mul(poly, exp(neg(mul(ax, ax)))));
  return where(neg_, neg(y), y);
}

/** tanh(x) = 2 sigmoid(2x) - 1. */
const tanh = (x: Sym): Sym => sub(mul(sigmoid(mul(x, 2)), 2), 1);

function powHandler(cx: NodeContext): Sym[] {
  const base = cx.sym(0);
  const e = cx.sym(1);
  return [pow(base, e.dtype === base.dtype ? e : cast(e, base.dtype))];
}

/** ONNX MatMul also takes 1-D operands (NumPy matmul): promote to matrices, then drop the added axis. */
function matmulHandler(cx: NodeContext): Sym[] {
  let a = cx.sym(0);
  let b = cx.sym(1);
  const aVec = a.rank === 1;
  const bVec = b.rank === 1;
  if (aVec) a = unsqueeze(a, 0);
  if (bVec) b = unsqueeze(b, 1);
  let y = matmul(a, b);
  if (bVec) y = squeeze(y, -1);
  if (aVec) y = squeeze(y, bVec ? -1 : -2);
  return [y];
}

/** Gemm: alpha * A' @ B' + beta * C (A', B' optionally transposed). */
function gemm(cx: NodeContext): Sym[] {
  const a = cx.int('transA', 0) ? transpose(cx.sym(0)) : cx.sym(0);
  const b = cx.int('transB', 0) ? transpose(cx.sym(1)) : cx.sym(1);
  const alpha = cx.float('alpha', 1);
  const beta = cx.float('beta', 1);
  let y = matmul(a, b);
  if (alpha !== 1) y = mul(y, alpha);
  if (cx.has(2) && beta !== 0) y = add(y, beta === 1 ? cx.sym(2) : mul(cx.sym(2), beta));
  return [y];
}

/** Explicit [top, left, bottom, right] pads of a Conv, resolving auto_pad (ONNX Conv spec). */
function convPads(cx: NodeContext, inShape: readonly number[], k: number[], s: number[], d: number[]): number[] {
  const auto = cx.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') return cx.intList('pads') ?? [0, 0, 0, 0];
  if (auto === 'VALID') return [0, 0, 0, 0];
  const begin: number[] = [];
  const end: number[] = [];
  for (let a = 0; a < 2; a++) {
    const dim = inShape[a + 2];
    const total = Math.max((Math.ceil(dim / s[a]) - 1) * s[a] + (k[a] - 1) * d[a] + 1 - dim, 0);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_UPPER' ? small : total - small);
    end.push(total - begin[a]);
  }
  return [...begin, ...end];
}

/** Conv (2-D, NCHW) with optional bias; group > 1 splits channels into independent convolutions. */
function conv(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const w = cx.sym(1);
  if (x.rank !== 4) throw new OnnxImportError(`${cx.where}: only 2-D convolution (rank-4 input) is supported, got rank ${x.rank}`);
  const stride = (cx.intList('strides') ?? [1, 1]) as [number, number];
  const dilation = (cx.intList('dilations') ?? [1, 1]) as [number, number];
  const pads = convPads(cx, x.shape, [w.shape[2], w.shape[3]], stride, dilation);
  const padding = pads as unknown as [number, number, number, number];
  const groups = cx.int('group', 1);
  let y: Sym;
  if (groups === 1) {
    y = conv2d(x, w, { stride, padding, dilation });
  } else {
    const cg = x.shape[1] / groups;
    const og = w.shape[0] / groups;
    const parts = Array.from({ length: groups }, (_, g) =>
      conv2d(slice(x, [g * cg], [(g + 1) * cg], [1]), slice(w, [g * og], [(g + 1) * og], [0]), { stride, padding, dilation }),
    );
    y = concat(parts, 1);
  }
  if (cx.has(2)) y = add(y, reshape(cx.sym(2), [1, -1, 1, 1]));
  return [y];
}

/** ConvTranspose (2-D, NCHW, float32) with optional bias and groups; explicit pads and output_padding (no auto_pad, no output_shape). */
function convTranspose(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const w = cx.sym(1);
  if (x.rank !== 4) throw new OnnxImportError(`${cx.where}: only 2-D ConvTranspose (rank-4 input) is supported, got rank ${x.rank}`);
  if (cx.string('auto_pad', 'NOTSET') !== 'NOTSET' || cx.intList('output_shape') !== undefined) {
    throw new OnnxImportError(`${cx.where}: ConvTranspose with auto_pad or output_shape is not supported; give pads and output_padding`);
  }
  const stride = (cx.intList('strides') ?? [1, 1]) as [number, number];
  const dilation = (cx.intList('dilations') ?? [1, 1]) as [number, number];
  const padding = (cx.intList('pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
  const outputPadding = (cx.intList('output_padding') ?? [0, 0]) as [number, number];
  const groups = cx.int('group', 1);
  const opts = { stride, padding, dilation, outputPadding };
  const ig = x.shape[1] / groups;
  let y =
    groups === 1
      ? convTranspose2d(x, w, opts)
      : concat(Array.from({ length: groups }, (_, g) => convTranspose2d(slice(x, [g * ig], [(g + 1) * ig], [1]), slice(w, [g * ig], [(g + 1) * ig], [0]), opts)), 1);
  if (cx.has(2)) y = add(y, reshape(cx.sym(2), [1, -1, 1, 1]));
  return [y];
}

/** Per-channel [C] tensor reshaped to broadcast over [N, C, ...spatial]. */
function channel(v: Sym, rank: number): Sym {
  return reshape(v, [1, -1, ...new Array<number>(rank - 2).fill(1)]);
}

/** (x - mean) / sqrt(var + eps) over `axes` (biased variance, as ONNX and PyTorch normalizations). */
function normalize(x: Sym, axes: number[], eps: number): Sym {
  const d = sub(x, mean(x, axes, true));
  return div(d, sqrt(add(mean(mul(d, d), axes, true), eps)));
}

/** True when `cx`'s operand `i` is known at import time and every element equals `v` (skips no-op affines). */
function isConstFill(cx: NodeContext, i: number, v: number): boolean {
  try {
    return cx.host(i, 'affine').toArray().every((e) => e === v);
  } catch {
    return false;
  }
}

/** InstanceNormalization: how PyTorch exports GroupNorm (after reshaping to [N, G, -1], unit scale, zero bias). */
function instanceNorm(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const axes = x.shape.map((_, k) => k).slice(2);
  let y = normalize(x, axes, cx.float('epsilon', 1e-5));
  if (!isConstFill(cx, 1, 1)) y = mul(y, channel(cx.sym(1), x.rank));
  if (!isConstFill(cx, 2, 0)) y = add(y, channel(cx.sym(2), x.rank));
  return [y];
}

function layerNorm(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const axis = cx.int('axis', -1);
  const start = axis < 0 ? axis + x.rank : axis;
  let y = mul(normalize(x, x.shape.map((_, k) => k).slice(start), cx.float('epsilon', 1e-5)), cx.sym(1));
  if (cx.has(2)) y = add(y, cx.sym(2));
  return [y];
}

function batchNorm(cx: NodeContext): Sym[] {
  const x = cx.sym(0);
  const [scale, bias, m, v] = [1, 2, 3, 4].map((i) => channel(cx.sym(i), x.rank));
  return [add(mul(div(sub(x, m), sqrt(add(v, cx.float('epsilon', 1e-5)))), scale), bias)];
}

/** Reduce* axes: an input from opset 18 (13 for ReduceSum), an attribute before; empty = all unless noop_with_empty_axes. */
function reduceAxes(cx: NodeContext, inputSince: number): number[] | 'noop' | undefined {
  const axes = cx.opset >= inputSince ? (cx.has(1) ? cx.ints(1, 'axes') : undefined) : cx.intList('axes');
  if (axes !== undefined && axes.length > 0) return axes;
  return cx.int('noop_with_empty_axes', 0) ? 'noop' : undefined;
}

const reduce = (f: (x: Sym, axes: number[] | undefined, keep: boolean) => Sym, inputSince: number): OnnxHandler => (cx) => {
  const axes = reduceAxes(cx, inputSince);
  return [axes === 'noop' ? cx.sym(0) : f(cx.sym(0), axes, cx.int('keepdims', 1) === 1)];
};

/** Softmax-like ops: from opset 13 along one axis (default -1); before, over the flattened trailing axes from `axis` (default 1). */
const softmaxLike = (f: (x: Sym, axis: number) => Sym): OnnxHandler => (cx) => {
  const x = cx.sym(0);
  if (cx.opset >= 13) return [f(x, cx.int('axis', -1))];
  const axis = cx.int('axis', 1);
  const a = axis < 0 ? axis + x.rank : axis;
  const lead = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  return [reshape(f(reshape(x, [lead, -1]), 1), [...x.shape])];
};

const logSoftmax = (x: Sym, axis: number): Sym => sub(x, logSumExp(x, axis, true));

/** Handlers of the arithmetic and network ops. */
export const mathHandlers: Record<string, OnnxHandler> = {
  Neg: un(neg), Exp: un(exp), Log: un(log), Sqrt: un(sqrt), Sin: un(sin), Cos: un(cos),
  Sigmoid: un(sigmoid), Tanh: un(tanh), Erf: un(erf),
  Relu: un((x) => maximum(x, 0)),
  Abs: un((x) => where(less(x, 0), neg(x), x)),
  Reciprocal: un((x) => div(1, x)),
  Add: bin(add), Sub: bin(sub), Mul: bin(mul), Div: bin(div), Pow: powHandler,
  Max: fold(maximum), Min: fold(minimum), Sum: fold(add),
  Equal: bin(equal), Less: bin(less), Greater: bin(greater),
  LessOrEqual: bin((a, b) => equal(greater(a, b), a.builder.constant(tensor([0], [], 'bool')))),
  GreaterOrEqual: bin((a, b) => equal(less(a, b), a.builder.constant(tensor([0], [], 'bool')))),
  MatMul: matmulHandler, Gemm: gemm, Conv: conv, ConvTranspose: convTranspose,
  InstanceNormalization: instanceNorm, LayerNormalization: layerNorm, BatchNormalization: batchNorm,
  ReduceSum: reduce(sum, 13),
  ReduceSumSquare: reduce((x, a, k) => sum(mul(x, x), a, k), 18),
  ReduceMean: reduce(mean, 18),
  ReduceMax: reduce(max, 18),
  ReduceMin: reduce((x, a, k) => neg(max(neg(x), a, k)), 18),
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
};
