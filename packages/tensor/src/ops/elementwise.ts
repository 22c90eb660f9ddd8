// Elementwise primitives: for each one its shape/dtype rule, its VJP and its reference kernel side
// by side, then the user-facing functions. Binary ops broadcast like NumPy/ONNX; float32 kernels
// round every result to float32 by writing into a Float32Array (Math.fround semantics).
// Edge cases (the spec other adapters match): log 0 = -Inf, 0/0 = NaN, sqrt(-1) = NaN, NaN
// propagates through maximum/minimum, integer division truncates toward zero and x/0 = 0 for ints.
import { emit, type Sym } from '../builder.js';
import { allocate, isFloat, type DType } from '../dtype.js';
import { DTypeError, GraphError } from '../errors.js';
import { HostTensor, shapeSize } from '../host.js';
import type { BinaryPrim, ComparePrim, ElementwisePrim, TypeInfo, UnaryPrim } from '../ir.js';
import type { OpRules } from '../rules.js';
import { broadcastIndex, broadcastShapes, unbroadcast } from './broadcast.js';

/** The elementwise primitives (declared in OP_CLASSES, ir.ts). */
export type { ElementwisePrim };

type Num = number | bigint;
type Writable = { [i: number]: Num; length: number };

/** Per-dtype scalar functions of a kernel; a missing integer entry means the dtype is rejected. */
interface ScalarFns<F> {
  f: F;
  i32?: F;
  i64?: F extends (...a: number[]) => number ? (...a: bigint[]) => bigint : never;
}

const FLOAT_ONLY = 'expected float32 or float64';

function checkDType(op: string, dtypes: DType[], fns: ScalarFns<unknown>): void {
  const d = dtypes[0];
  if (isFloat(d) || (d === 'int32' && fns.i32) || (d === 'int64' && fns.i64)) return;
  const ok = ['float32', 'float64', ...(fns.i32 ? ['int32'] : []), ...(fns.i64 ? ['int64'] : [])];
  throw new DTypeError(op, dtypes, `dtype ${d} is not accepted; expected one of ${ok.join(', ')}`);
}

function sameDType(op: string, inputs: TypeInfo[]): void {
  if (inputs.some((i) => i.dtype !== inputs[0].dtype)) {
    throw new DTypeError(op, inputs.map((i) => i.dtype), 'operands must have the same dtype; cast one of them first');
  }
}

function unaryRef(fns: ScalarFns<(x: number) => number>): OpRules<UnaryPrim>['ref'] {
  return ([x], _p, out) => {
    const o = allocate(out.dtype, x.size) as Writable;
    if (out.dtype === 'int64') {
      const xd = x.data as BigInt64Array, fn = fns.i64!;
      for (let i = 0; i < xd.length; i++) o[i] = fn(xd[i]);
    } else {
      const xd = x.data as ArrayLike<number>, fn = out.dtype === 'int32' ? fns.i32! : fns.f;
      for (let i = 0; i < xd.length; i++) o[i] = fn(xd[i]);
    }
    return new HostTensor(out.dtype, out.shape, o as never);
  };
}

function unary<P extends UnaryPrim>(op: P, fns: ScalarFns<(x: number) => number>, vjp: (g: Sym, x: Sym, out: Sym) => Sym): OpRules<P> {
  return {
    infer: ([x], _p) => {
      checkDType(op, [x.dtype], fns);
      return { shape: [...x.shape], dtype: x.dtype };
    },
    vjp: (g, [x], out) => (isFloat(x.dtype) ? [vjp(g, x, out)] : [null]),
    ref: unaryRef(fns),
  };
}

/** Runs `f` over broadcast operands into a fresh array of `out`'s dtype. */
function broadcastMap(inputs: readonly HostTensor[], out: TypeInfo, f: (...v: Num[]) => Num): HostTensor {
  const n = shapeSize(out.shape);
  const o = allocate(out.dtype, n) as Writable;
  const maps = inputs.map((t) => broadcastIndex(t.shape, out.shape));
  const data = inputs.map((t) => t.data as ArrayLike<Num>);
  if (inputs.length === 2) {
    const [a, b] = data, [ma, mb] = maps;
    for (let i = 0; i < n; i++) o[i] = f(a[ma ? ma[i] : i], b[mb ? mb[i] : i]);
  } else {
    const [a, b, c] = data, [ma, mb, mc] = maps;
    for (let i = 0; i < n; i++) o[i] = f(a[ma ? ma[i] : i], b[mb ? mb[i] : i], c[mc ? mc[i] : i]);
  }
  return new HostTensor(out.dtype, out.shape, o as never);
}

function binary<P extends BinaryPrim>(op: P, fns: ScalarFns<(a: number, b: number) => number>, vjp: (g: Sym, a: Sym, b: Sym, out: Sym) => [Sym, Sym]): OpRules<P> {
  return {
    infer: (inputs) => {
      sameDType(op, inputs);
      checkDType(op, inputs.map((i) => i.dtype), fns);
      return { shape: broadcastShapes(op, inputs.map((i) => i.shape)), dtype: inputs[0].dtype };
    },
    vjp: (g, [a, b], out) => {
      if (!isFloat(out.dtype)) return [null, null];
      const [ga, gb] = vjp(g, a, b, out);
      return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
    },
    ref: (inputs, _p, out) => {
      const fn = out.dtype === 'int64' ? fns.i64! : out.dtype === 'int32' ? fns.i32! : fns.f;
      return broadcastMap(inputs, out, fn as (...v: Num[]) => Num);
    },
  };
}

function compare<P extends ComparePrim>(op: P, fn: (a: Num, b: Num) => boolean): OpRules<P> {
  return {
    infer: (inputs) => {
      sameDType(op, inputs);
      return { shape: broadcastShapes(op, inputs.map((i) => i.shape)), dtype: 'bool' };
    },
    vjp: () => [null, null],
    ref: (inputs, _p, out) => broadcastMap(inputs, out, (a, b) => (fn(a, b) ? 1 : 0)),
  };
}

// C99 pow (what ONNX Pow and NumPy follow) where JavaScript's Math.pow differs: 1^y = 1 for every
// y, (-1)^(+-Inf) = 1.
function powC(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);

/** Converts one element to `to` (floats truncate toward zero for ints; NaN/Inf become 0; ints wrap). */
function castScalar(v: Num, to: DType): Num {
  switch (to) {
    case 'float32':
    case 'float64':
      return Number(v);
    case 'int32':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v | 0;
    case 'int64':
      return typeof v === 'bigint' ? v : Number.isFinite(v) ? i64(BigInt(Math.trunc(v))) : 0n;
    case 'bool':
      return typeof v === 'bigint' ? (v !== 0n ? 1 : 0) : v !== 0 ? 1 : 0;
    default:
      return to satisfies never;
  }
}

/** A zero scalar of `like`'s dtype in its builder, broadcast by the op that uses it. */
function zeroLike(like: Sym): Sym {
  return like.builder.scalar(0, like.dtype);
}

/** Rules of every elementwise primitive (see ops/index.ts for the full table). */
export const elementwiseRules: { [P in ElementwisePrim]: OpRules<P> } = {
  neg: unary('neg', { f: (x) => -x, i32: (x) => -x | 0, i64: (x) => i64(-x) }, (g) => neg(g)),
  exp: unary('exp', { f: Math.exp }, (g, _x, out) => mul(g, out)),
  log: unary('log', { f: Math.log }, (g, x) => div(g, x)),
  // d sqrt(x) = 1 / (2 sqrt(x)): reuse the forward value.
  sqrt: unary('sqrt', { f: Math.sqrt }, (g, _x, out) => div(g, mul(out, 2))),
  sin: unary('sin', { f: Math.sin }, (g, x) => mul(g, cos(x))),
  cos: unary('cos', { f: Math.cos }, (g, x) => neg(mul(g, sin(x)))),

  add: binary('add', { f: (a, b) => a + b, i32: (a, b) => (a + b) | 0, i64: (a, b) => i64(a + b) }, (g) => [g, g]),
  sub: binary('sub', { f: (a, b) => a - b, i32: (a, b) => (a - b) | 0, i64: (a, b) => i64(a - b) }, (g) => [g, neg(g)]),
  mul: binary('mul', { f: (a, b) => a * b, i32: Math.imul, i64: (a, b) => i64(a * b) }, (g, a, b) => [mul(g, b), mul(g, a)]),
  div: binary(
    'div',
    { f: (a, b) => a / b, i32: (a, b) => (b === 0 ? 0 : Math.trunc(a / b) | 0), i64: (a, b) => (b === 0n ? 0n : i64(a / b)) },
    // d(a/b)/db = -a/b^2 = -out/b.
    (g, _a, b, out) => [div(g, b), neg(div(mul(g, out), b))],
  ),
  pow: binary('pow', { f: powC }, powVjp),
  max: binary('max', { f: Math.max, i32: Math.max, i64: (a, b) => (a > b ? a : b) }, (g, a, b) => selectVjp(g, greater(a, b), equal(a, b))),
  min: binary('min', { f: Math.min, i32: Math.min, i64: (a, b) => (a < b ? a : b) }, (g, a, b) => selectVjp(g, less(a, b), equal(a, b))),

  less: compare('less', (a, b) => a < b),
  greater: compare('greater', (a, b) => a > b),
  equal: compare('equal', (a, b) => a === b),

  where: {
    infer: ([c, a, b]) => {
      if (c.dtype !== 'bool') throw new DTypeError('where', [c.dtype, a.dtype, b.dtype], `condition has dtype ${c.dtype}; expected bool`);
      sameDType('where', [a, b]);
      return { shape: broadcastShapes('where', [c.shape, a.shape, b.shape]), dtype: a.dtype };
    },
    vjp: (g, [c, a, b]) => {
      if (!isFloat(g.dtype)) return [null, null, null];
      const z = zeroLike(g);
      return [null, unbroadcast(where(c, g, z), a.shape), unbroadcast(where(c, z, g), b.shape)];
    },
    ref: (inputs, _p, out) => broadcastMap(inputs, out, (c, a, b) => (c ? a : b)),
  },
  cast: {
    infer: ([x], p) => ({ shape: [...x.shape], dtype: p.to }),
    // Gradient flows between float types only: cast the cotangent back.
    vjp: (g, [x]) => [isFloat(x.dtype) && isFloat(g.dtype) ? cast(g, x.dtype) : null],
    ref: ([x], p, out) => {
      const o = allocate(p.to, x.size) as Writable;
      const xd = x.data as ArrayLike<Num>;
      for (let i = 0; i < xd.length; i++) o[i] = castScalar(xd[i], p.to);
      return new HostTensor(out.dtype, out.shape, o as never);
    },
  },
  stopGradient: {
    infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
    vjp: () => [null],
    ref: ([x]) => new HostTensor(x.dtype, x.shape, x.data.slice()),
  },
};

/**
 * d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a. The second is guarded: where a <= 0 it is 0
 * instead of NaN (log of a non-positive base), which is the right limit at a = 0 (a^b -> 0) and a
 * choice for a < 0 (only integer exponents are real there, and the graph cannot know whether b is
 * constant); so a constant exponent never injects NaN into a sum of cotangents.
 */
function powVjp(g: Sym, a: Sym, b: Sym, out: Sym): [Sym, Sym] {
  const ga = mul(g, mul(b, pow(a, sub(b, 1))));
  const positive = greater(a, 0);
  const logA = log(where(positive, a, 1));
  const gb = mul(g, where(positive, mul(out, logA), 0));
  return [ga, gb];
}

/**
 * VJP of maximum/minimum: the cotangent goes to the selected side; on ties it is split 0.5/0.5
 * (as JAX and PyTorch do), so the gradient of max(x, x) is 1. NaN compares false both ways.
 */
function selectVjp(g: Sym, firstWins: Sym, tie: Sym): [Sym, Sym] {
  const half = where(tie, 0.5, 0);
  const wa = add(where(firstWins, 1, 0), half);
  const wb = add(where(logicalOr(firstWins, tie), 0, 1), half);
  return [mul(g, castLike(wa, g)), mul(g, castLike(wb, g))];
}

function logicalOr(a: Sym, b: Sym): Sym {
  return where(a, a, b);
}

function castLike(x: Sym, like: Sym): Sym {
  return x.dtype === like.dtype ? x : cast(x, like.dtype);
}

/** Makes both operands Syms: a number becomes a scalar constant of the other side's dtype. */
function operands(op: string, a: Sym | number, b: Sym | number): [Sym, Sym] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new GraphError(`${op}: both operands are numbers (${a}, ${b}); at least one must be a graph value`);
  }
  const x = typeof a === 'number' ? (b as Sym).builder.scalar(a, (b as Sym).dtype) : a;
  const y = typeof b === 'number' ? x.builder.scalar(b, x.dtype) : b;
  return [x, y];
}

function applyBinary(op: BinaryPrim | ComparePrim, a: Sym | number, b: Sym | number): Sym {
  const [x, y] = operands(op, a, b);
  return emit(op, elementwiseRules[op] as OpRules<typeof op>, [x, y], {});
}

/** -x. @example neg(x) */
export function neg(x: Sym): Sym {
  return emit('neg', elementwiseRules.neg, [x], {});
}
/** e^x. @example exp(x) */
export function exp(x: Sym): Sym {
  return emit('exp', elementwiseRules.exp, [x], {});
}
/** Natural log (log 0 = -Inf, log of a negative = NaN). @example log(x) */
export function log(x: Sym): Sym {
  return emit('log', elementwiseRules.log, [x], {});
}
/** Square root (sqrt of a negative = NaN). @example sqrt(x) */
export function sqrt(x: Sym): Sym {
  return emit('sqrt', elementwiseRules.sqrt, [x], {});
}
/** Sine. @example sin(x) */
export function sin(x: Sym): Sym {
  return emit('sin', elementwiseRules.sin, [x], {});
}
/** Cosine. @example cos(x) */
export function cos(x: Sym): Sym {
  return emit('cos', elementwiseRules.cos, [x], {});
}
/** a + b with broadcasting. @example add(x, 1) */
export function add(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('add', a, b);
}
/** a - b with broadcasting. @example sub(1, x) */
export function sub(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('sub', a, b);
}
/** a * b with broadcasting. @example mul(x, 0.5) */
export function mul(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('mul', a, b);
}
/** a / b with broadcasting (ints: truncating, x/0 = 0). @example div(x, 2) */
export function div(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('div', a, b);
}
/** a ** b (floats, C99 pow semantics). @example pow(x, 2) */
export function pow(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('pow', a, b);
}
/** Elementwise maximum; NaN propagates. @example maximum(x, 0) // ReLU */
export function maximum(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('max', a, b);
}
/** Elementwise minimum; NaN propagates. @example minimum(x, 1) */
export function minimum(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('min', a, b);
}
/** a < b as bool. @example less(x, 0) */
export function less(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('less', a, b);
}
/** a > b as bool. @example greater(x, 0) */
export function greater(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('greater', a, b);
}
/** a == b as bool. @example equal(x, y) */
export function equal(a: Sym | number, b: Sym | number): Sym {
  return applyBinary('equal', a, b);
}
/** cond ? a : b elementwise, all three broadcast. @example where(greater(x, 0), x, 0) */
export function where(cond: Sym, a: Sym | number, b: Sym | number): Sym {
  const [x, y] = typeof a === 'number' && typeof b === 'number' ? [cond.builder.scalar(a), cond.builder.scalar(b)] : operands('where', a, b);
  return emit('where', elementwiseRules.where, [cond, x, y], {});
}
/** Converts to another dtype (float -> int truncates toward zero). @example cast(mask, 'float32') */
export function cast(x: Sym, to: DType): Sym {
  return emit('cast', elementwiseRules.cast, [x], { to });
}
/** Identity whose gradient is zero. @example stopGradient(target) */
export function stopGradient(x: Sym): Sym {
  return emit('stopGradient', elementwiseRules.stopGradient, [x], {});
}
