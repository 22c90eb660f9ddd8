// The graph IR: a closed set of primitives with typed parameters, and the graph they form.
// Everything else (sigmoid, SiLU, softmax, GroupNorm, the Gaussian log-density, ...) is a composite
// of these, so it needs no VJP, ONNX lowering or reference kernel of its own.
import type { DType } from './dtype.js';
import type { HostTensor } from './host.js';

type NoParams = Record<string, never>;

/**
 * Every primitive and its parameters. Adding a key here makes `tsc` demand a shape rule, a VJP and
 * a reference kernel (ops/index.ts) and an ONNX lowering (@ddpo/tensor-onnxruntime).
 */
export interface PrimitiveParams {
  /** A named graph input. */
  input: { name: string };
  /** A constant host tensor baked into the graph. */
  constant: { value: HostTensor };

  // Elementwise unary (float).
  neg: NoParams;
  exp: NoParams;
  log: NoParams;
  sqrt: NoParams;
  sin: NoParams;
  cos: NoParams;
  // Elementwise binary with NumPy/ONNX broadcasting (same dtype on both sides).
  add: NoParams;
  sub: NoParams;
  mul: NoParams;
  div: NoParams;
  pow: NoParams;
  max: NoParams;
  min: NoParams;
  // Comparisons: bool output, no gradient.
  less: NoParams;
  greater: NoParams;
  equal: NoParams;
  /** where(cond: bool, a, b), broadcasting all three. */
  where: NoParams;
  /** Converts dtype; gradient flows between float types only. */
  cast: { to: DType };
  /** Identity whose gradient is zero. */
  stopGradient: NoParams;

  // Reductions over `axes` (non-negative, sorted, unique).
  reduceSum: { axes: number[]; keepDims: boolean };
  reduceMax: { axes: number[]; keepDims: boolean };

  // Movement.
  /** Same elements, new shape (fully specified, no -1). */
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  /** Broadcast to `shape` (NumPy rules: leading dims added, size-1 dims stretched). */
  broadcastTo: { shape: number[] };
  /** Strided slice along `axes`; starts/ends already clamped to [0, dim] (or [-1, dim-1] for negative steps). */
  slice: { starts: number[]; ends: number[]; axes: number[]; steps: number[] };
  concat: { axis: number };
  /** Constant padding; `pads` in ONNX order [x1_begin, x2_begin, ..., x1_end, x2_end, ...], all >= 0. */
  pad: { pads: number[]; value: number };

  // Linear algebra.
  /** Batched matrix product, both operands rank >= 2, batch dims broadcast (ONNX MatMul). */
  matmul: NoParams;
  /** conv2d(x [N, C, H, W], w [O, C, kh, kw]) without bias (ONNX Conv, group 1). */
  conv2d: { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] };
  /**
   * convTranspose2d(g [N, O, Ho, Wo], w [O, C, kh, kw]) -> [N, C, H, W], float32 (ONNX ConvTranspose,
   * group 1, no bias): the adjoint of conv2d with the same strides, pads and dilations, H = s (Ho - 1)
   * + outputPadding + dil (kh - 1) + 1 - pad_top - pad_bottom.
   */
  convTranspose2d: { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number]; outputPadding: [number, number] };
  /** gather(table [V, ...rest], indices int [...I]) -> [...I, ...rest] along axis 0 (ONNX Gather). */
  gather: NoParams;
}

/** The primitive names. */
export type Primitive = keyof PrimitiveParams;

/**
 * The primitives by class, declared once (as tinygrad's GroupOp): the primitive list, the family
 * unions (UnaryPrim, MovementPrim, ...) and backend code that treats a class alike (e.g. the ONNX
 * fusions) all derive from it. Adding a primitive: a key in PrimitiveParams and a place here (tsc
 * fails until both exist).
 */
export const OP_CLASSES = {
  leaf: ['input', 'constant'],
  /** Elementwise float functions of one operand. */
  unary: ['neg', 'exp', 'log', 'sqrt', 'sin', 'cos'],
  /** Elementwise functions of two operands of one dtype, broadcasting. */
  binary: ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'],
  /** Elementwise comparisons: bool output, no gradient. */
  compare: ['less', 'greater', 'equal'],
  /** where(cond, a, b), broadcasting all three. */
  select: ['where'],
  /** One operand to the same shape: dtype conversion, gradient stop. */
  convert: ['cast', 'stopGradient'],
  reduce: ['reduceSum', 'reduceMax'],
  movement: ['reshape', 'transpose', 'broadcastTo', 'slice', 'concat', 'pad'],
  linalg: ['matmul', 'conv2d', 'convTranspose2d', 'gather'],
} as const satisfies Record<string, readonly Primitive[]>;

/** A class of primitives (a key of OP_CLASSES). */
export type OpClass = keyof typeof OP_CLASSES;
/** The primitives of class C. */
export type PrimitiveOf<C extends OpClass> = (typeof OP_CLASSES)[C][number];
/** The leaf primitives (input, constant). */
export type LeafPrim = PrimitiveOf<'leaf'>;
/** The elementwise unary primitives. */
export type UnaryPrim = PrimitiveOf<'unary'>;
/** The elementwise binary primitives. */
export type BinaryPrim = PrimitiveOf<'binary'>;
/** The comparison primitives. */
export type ComparePrim = PrimitiveOf<'compare'>;
/** Every elementwise primitive (unary, binary, compare, select, convert). */
export type ElementwisePrim = PrimitiveOf<'unary' | 'binary' | 'compare' | 'select' | 'convert'>;
/** The reduction primitives. */
export type ReducePrim = PrimitiveOf<'reduce'>;
/** The movement primitives. */
export type MovementPrim = PrimitiveOf<'movement'>;
/** The linear-algebra primitives. */
export type LinalgPrim = PrimitiveOf<'linalg'>;

/** Every primitive name, class by class in OP_CLASSES order (useful to generate tests over all of them). */
export const PRIMITIVES: readonly Primitive[] = Object.values(OP_CLASSES).flat();

// A primitive of PrimitiveParams missing from OP_CLASSES fails here (an extra one fails the `satisfies` above).
type _Exhaustive = Exclude<Primitive, PrimitiveOf<OpClass>> extends never ? true : never;
const _exhaustive: _Exhaustive = true;
void _exhaustive;

/** Shape and dtype of a value. */
export interface TypeInfo {
  shape: number[];
  dtype: DType;
}

/** One node: applies `op` to earlier nodes' values and yields one value, whose id is the node's id. */
export interface Node<P extends Primitive = Primitive> extends TypeInfo {
  id: number;
  op: P;
  inputs: number[];
  params: PrimitiveParams[P];
}

/** Any node, narrowed by `op` in a switch. */
export type AnyNode = { [P in Primitive]: Node<P> }[Primitive];

/**
 * A finished graph: nodes in topological order (a node's inputs have smaller ids), named inputs
 * and named outputs. Immutable once built.
 */
export interface Graph {
  readonly nodes: readonly AnyNode[];
  readonly inputs: readonly { name: string; id: number }[];
  readonly outputs: readonly { name: string; id: number }[];
}
