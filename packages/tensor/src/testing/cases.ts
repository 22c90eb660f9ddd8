// The conformance cases: every primitive, in the dtypes and shapes that exercise its lowering
// (broadcasting, negative steps, empty axes, integer division by zero, NaN/Inf edge cases...).
// Built with the op functions; inputs are drawn per case from a seeded Rng. Runner-agnostic: any
// adapter runs them (conformance.ts).
import {
  add, broadcastTo, cast, concat, conv2d, convTranspose2d, cos, div, equal, exp, gather, greater, less, log, matmul, max, maximum, minimum, mul, neg, pad,
  pow, reshape, sin, slice, sqrt, stopGradient, sub, sum, tensor, transpose, where, grad, GraphBuilder, isFloat, Rng,
  type DType, type Graph, type HostTensor, type Primitive, type Sym, type TensorMap,
} from '../index.js';

/** How a case's input values are drawn. */
export type InputKind = 'normal' | 'positive' | 'small-int' | 'nonneg-int' | 'bool' | 'index' | 'special';

/** One input of a case. */
export interface CaseInput {
  shape: number[];
  dtype: DType;
  kind?: InputKind;
  /** Fixed values instead of drawn ones. */
  value?: HostTensor;
}

/** One conformance case: a small graph around one primitive. */
export interface ConformanceCase {
  name: string;
  /** The primitive under test; also the case's tolerance key (`toleranceOf(table, primitive, dtype)`). */
  primitive: Primitive;
  inputs: CaseInput[];
  build: (xs: Sym[]) => Sym;
}

const f = (shape: number[], dtype: DType = 'float32', kind: InputKind = 'normal'): CaseInput => ({ shape, dtype, kind });
const FLOATS: DType[] = ['float32', 'float64'];
/** NaN, +-Inf, 0, -0 and ordinary values: the edge cases the reference interpreter defines. */
export const SPECIAL_VALUES = [Number.NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 2, -3];

function unaryCases(): ConformanceCase[] {
  const ops: [Primitive, (x: Sym) => Sym, InputKind][] = [
    ['neg', neg, 'normal'], ['exp', exp, 'normal'], ['log', log, 'positive'], ['sqrt', sqrt, 'positive'], ['sin', sin, 'normal'], ['cos', cos, 'normal'],
  ];
  return ops.flatMap(([p, fn, kind]) => [
    ...FLOATS.map((dt) => ({ name: `${p} ${dt}`, primitive: p, inputs: [f([2, 3], dt, kind)], build: ([x]: Sym[]) => fn(x) })),
    { name: `${p} float64 NaN/Inf/0`, primitive: p, inputs: [f([10], 'float64', 'special')], build: ([x]: Sym[]) => fn(x) },
  ]);
}

function binaryCases(): ConformanceCase[] {
  const ops: [Primitive, (a: Sym, b: Sym) => Sym][] = [['add', add], ['sub', sub], ['mul', mul], ['div', div], ['pow', pow], ['max', maximum], ['min', minimum]];
  return ops.flatMap(([p, fn]) => {
    const base: InputKind = p === 'pow' ? 'positive' : 'normal';
    return [
      ...FLOATS.map((dt) => ({ name: `${p} ${dt} broadcast [2,3] x [3]`, primitive: p, inputs: [f([2, 3], dt, base), f([3], dt)], build: ([a, b]: Sym[]) => fn(a, b) })),
      { name: `${p} float32 broadcast [4,1] x [1,5]`, primitive: p, inputs: [f([4, 1], 'float32', base), f([1, 5])], build: ([a, b]: Sym[]) => fn(a, b) },
      { name: `${p} float64 NaN/Inf/0`, primitive: p, inputs: [f([10], 'float64', 'special'), f([10, 1], 'float64', 'special')], build: ([a, b]: Sym[]) => fn(a, b) },
      // pow is float-only in the IR.
      ...(p === 'pow' ? [] : (['int32', 'int64'] as DType[])).map((dt) => ({ name: `${p} ${dt}`, primitive: p, inputs: [f([3, 4], dt, 'small-int'), f([4], dt, 'nonneg-int')], build: ([a, b]: Sym[]) => fn(a, b) })),
    ];
  });
}

function compareCases(): ConformanceCase[] {
  const ops: [Primitive, (a: Sym, b: Sym) => Sym][] = [['less', less], ['greater', greater], ['equal', equal]];
  return ops.flatMap(([p, fn]) => [
    { name: `${p} float32 broadcast`, primitive: p, inputs: [f([2, 3], 'float32', 'small-int'), f([3], 'float32', 'small-int')], build: ([a, b]: Sym[]) => fn(cast(a, 'float32'), b) },
    { name: `${p} int64`, primitive: p, inputs: [f([6], 'int64', 'small-int'), f([6], 'int64', 'small-int')], build: ([a, b]: Sym[]) => fn(a, b) },
    { name: `${p} float64 NaN/Inf`, primitive: p, inputs: [f([10], 'float64', 'special'), f([10, 1], 'float64', 'special')], build: ([a, b]: Sym[]) => fn(a, b) },
  ]).concat([{ name: 'equal bool', primitive: 'equal', inputs: [f([5], 'bool', 'bool'), f([5], 'bool', 'bool')], build: ([a, b]) => equal(a, b) }]);
}

function selectCastCases(): ConformanceCase[] {
  const casts: [DType, DType, InputKind][] = [
    ['float32', 'int32', 'normal'], ['float32', 'int64', 'normal'], ['float64', 'float32', 'normal'], ['float32', 'float64', 'normal'],
    ['int64', 'float32', 'small-int'], ['int32', 'int64', 'small-int'], ['int64', 'int32', 'small-int'], ['bool', 'float32', 'bool'],
    ['float32', 'bool', 'small-int'], ['int32', 'bool', 'small-int'],
  ];
  return [
    ...FLOATS.map((dt) => ({ name: `where ${dt} broadcast`, primitive: 'where' as const, inputs: [f([2, 3], 'bool', 'bool'), f([2, 3], dt), f([3], dt)], build: ([c, a, b]: Sym[]) => where(c, a, b) })),
    { name: 'where int64', primitive: 'where', inputs: [f([4], 'bool', 'bool'), f([4], 'int64', 'small-int'), f([1], 'int64', 'small-int')], build: ([c, a, b]) => where(c, a, b) },
    { name: 'where bool', primitive: 'where', inputs: [f([4], 'bool', 'bool'), f([4], 'bool', 'bool'), f([4], 'bool', 'bool')], build: ([c, a, b]) => where(c, a, b) },
    ...casts.map(([from, to, kind]) => ({ name: `cast ${from} -> ${to}`, primitive: 'cast' as const, inputs: [f([2, 3], from, kind)], build: ([x]: Sym[]) => cast(x, to) })),
    { name: 'stopGradient float32', primitive: 'stopGradient', inputs: [f([2, 3]), f([2, 3])], build: ([x, y]) => mul(stopGradient(x), y) },
  ];
}

function reduceCases(): ConformanceCase[] {
  const specs: [string, number[] | undefined, boolean][] = [['axis 1', [1], false], ['axes 0,2 keepDims', [0, 2], true], ['all axes', undefined, false], ['no axes', [], false]];
  return (['reduceSum', 'reduceMax'] as const).flatMap((p) => [
    ...specs.flatMap(([label, axes, keep]) =>
      FLOATS.map((dt) => ({ name: `${p} ${dt} ${label}`, primitive: p, inputs: [f([2, 3, 4], dt)], build: ([x]: Sym[]) => (p === 'reduceSum' ? sum : max)(x, axes, keep) })),
    ),
    { name: `${p} int32 axis 0`, primitive: p, inputs: [f([3, 2], 'int32', 'small-int')], build: ([x]: Sym[]) => (p === 'reduceSum' ? sum : max)(x, 0) },
  ]);
}

function movementCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  for (const dt of ['float32', 'float64', 'int64', 'bool'] as DType[]) {
    const k: InputKind = dt === 'bool' ? 'bool' : dt === 'int64' ? 'small-int' : 'normal';
    out.push(
      { name: `reshape ${dt}`, primitive: 'reshape', inputs: [f([2, 3, 4], dt, k)], build: ([x]) => reshape(x, [4, -1]) },
      { name: `transpose ${dt}`, primitive: 'transpose', inputs: [f([2, 3, 4], dt, k)], build: ([x]) => transpose(x, [2, 0, 1]) },
      { name: `broadcastTo ${dt}`, primitive: 'broadcastTo', inputs: [f([3, 1], dt, k)], build: ([x]) => broadcastTo(x, [2, 3, 4]) },
      { name: `slice ${dt} steps 2 and -1`, primitive: 'slice', inputs: [f([5, 6], dt, k)], build: ([x]) => slice(x, [1, -1], [5, -Infinity], [0, 1], [2, -1]) },
      { name: `concat ${dt} three operands`, primitive: 'concat', inputs: [f([2, 1], dt, k), f([2, 3], dt, k), f([2, 2], dt, k)], build: (xs) => concat(xs, 1) },
      { name: `pad ${dt}`, primitive: 'pad', inputs: [f([2, 3], dt, k)], build: ([x]) => pad(x, [1, 0, 2, 3], 1) },
    );
  }
  out.push({ name: 'reshape float32 to a zero-size shape', primitive: 'reshape', inputs: [f([2, 0, 3])], build: ([x]) => reshape(x, [0, 6]) });
  return out;
}

function linalgCases(): ConformanceCase[] {
  return [
    ...FLOATS.map((dt) => ({ name: `matmul ${dt} [3,4] x [4,2]`, primitive: 'matmul' as const, inputs: [f([3, 4], dt), f([4, 2], dt)], build: ([a, b]: Sym[]) => matmul(a, b) })),
    { name: 'matmul float32 batch broadcast [2,1,3,4] x [5,4,2]', primitive: 'matmul', inputs: [f([2, 1, 3, 4]), f([5, 4, 2])], build: ([a, b]) => matmul(a, b) },
    ...FLOATS.map((dt) => ({
      name: `conv2d ${dt} stride 2 pad 1 dilation 1`, primitive: 'conv2d' as const, inputs: [f([2, 3, 6, 5], dt), f([4, 3, 3, 3], dt)],
      build: ([x, w]: Sym[]) => conv2d(x, w, { stride: 2, padding: 1 }),
    })),
    ...FLOATS.map((dt) => ({
      name: `conv2d ${dt} asymmetric pads, dilation 2`, primitive: 'conv2d' as const, inputs: [f([1, 2, 7, 7], dt), f([3, 2, 2, 3], dt)],
      build: ([x, w]: Sym[]) => conv2d(x, w, { padding: [1, 0, 0, 2], dilation: 2 }),
    })),
    {
      name: 'convTranspose2d float32 stride 2 pad 1 outputPadding 1', primitive: 'convTranspose2d', inputs: [f([2, 4, 3, 3]), f([4, 3, 3, 3])],
      build: ([g, w]) => convTranspose2d(g, w, { stride: 2, padding: 1, outputPadding: 1 }),
    },
    {
      name: 'convTranspose2d float32 strides [3, 2], asymmetric pads, dilation 2', primitive: 'convTranspose2d', inputs: [f([1, 2, 3, 4]), f([2, 3, 2, 3])],
      build: ([g, w]) => convTranspose2d(g, w, { stride: [3, 2], padding: [1, 0, 0, 2], dilation: 2, outputPadding: [2, 1] }),
    },
    { name: 'gather float32 int32 indices [2,2]', primitive: 'gather', inputs: [f([5, 3]), f([2, 2], 'int32', 'index')], build: ([t, i]) => gather(t, i) },
    { name: 'gather float64 int64 indices', primitive: 'gather', inputs: [f([5, 2, 2], 'float64'), f([3], 'int64', 'index')], build: ([t, i]) => gather(t, i) },
    { name: 'gather int64 table', primitive: 'gather', inputs: [f([5], 'int64', 'small-int'), f([4], 'int64', 'index')], build: ([t, i]) => gather(t, i) },
  ];
}

function leafCases(): ConformanceCase[] {
  return [
    { name: 'input passed straight to an output', primitive: 'input', inputs: [f([2, 2], 'int64', 'small-int')], build: ([x]) => x },
    { name: 'constant float32 added', primitive: 'constant', inputs: [f([3])], build: ([x]) => add(x, x.builder.constant(tensor([1, -2, 0.5], [3]))) },
    { name: 'constant bool scalar', primitive: 'constant', inputs: [f([3], 'bool', 'bool')], build: ([x]) => equal(x, x.builder.constant(tensor([1], [], 'bool'))) },
  ];
}

/**
 * Every conformance case. Each primitive appears at least once (checked by the suite).
 *
 * @example
 * for (const c of conformanceCases()) console.log(c.name, c.primitive);
 */
export function conformanceCases(): ConformanceCase[] {
  return [...leafCases(), ...unaryCases(), ...binaryCases(), ...compareCases(), ...selectCastCases(), ...reduceCases(), ...movementCases(), ...linalgCases()];
}

/** Draws one input of a case from `rng` (or takes its fixed value). */
function drawInput(inp: CaseInput, rng: Rng, cases: readonly CaseInput[]): HostTensor {
  if (inp.value) return inp.value;
  const n = inp.shape.reduce((p, d) => p * d, 1);
  const ints = (lo: number, hi: number) => Array.from(rng.randint([n], hi - lo + 1).data, (v) => v + lo);
  const fromNumbers = (vals: number[]) => tensor(inp.dtype === 'int64' ? vals.map(BigInt) : vals, inp.shape, inp.dtype);
  const kind = inp.kind ?? 'normal';
  switch (kind) {
    case 'normal':
      return inp.dtype === 'float64' ? rng.normal(inp.shape, 'float64') : rng.normal(inp.shape);
    case 'positive':
      return fromNumbers(Array.from(rng.uniform(inp.shape, 'float64').data, (u) => 0.5 + 1.5 * u));
    case 'small-int':
      return fromNumbers(ints(-4, 4));
    case 'nonneg-int':
      return fromNumbers(ints(0, 3));
    case 'bool':
      return fromNumbers(ints(0, 1));
    case 'index':
      return fromNumbers(ints(0, cases[0].shape[0] - 1));
    case 'special':
      return fromNumbers(Array.from({ length: n }, (_, k) => SPECIAL_VALUES[k % SPECIAL_VALUES.length]));
    default:
      return kind satisfies never;
  }
}

/**
 * The case's graph: output y and, for a float y, the VJP of every float input for a fed cotangent `seed`.
 *
 * @example
 * const { graph, floatInputs } = caseGraph(conformanceCases()[0]);
 */
export function caseGraph(c: ConformanceCase): { graph: Graph; floatInputs: number[] } {
  const b = new GraphBuilder();
  const xs = c.inputs.map((inp, k) => b.input(`x${k}`, inp.shape, inp.dtype));
  const y = c.build(xs);
  b.output('y', y);
  const floatInputs = xs.flatMap((x, k) => (isFloat(x.dtype) ? [k] : []));
  if (isFloat(y.dtype) && floatInputs.length > 0) {
    const seed = b.input('seed', y.shape, y.dtype);
    grad(y, floatInputs.map((k) => xs[k]), seed).forEach((g, j) => b.output(`grad:x${floatInputs[j]}`, g));
  }
  return { graph: b.build(), floatInputs };
}

/**
 * The case's feeds (inputs and cotangent), drawn from a generator seeded by the case's index.
 *
 * @example
 * const feeds = caseFeeds(c, graph, k);
 */
export function caseFeeds(c: ConformanceCase, graph: Graph, seedIndex: number): TensorMap {
  const rng = new Rng(1000 + seedIndex);
  const feeds: TensorMap = {};
  c.inputs.forEach((inp, k) => (feeds[`x${k}`] = drawInput(inp, rng, c.inputs)));
  const seed = graph.inputs.find((i) => i.name === 'seed');
  if (seed) {
    const n = graph.nodes[seed.id];
    feeds.seed = n.dtype === 'float64' ? rng.normal(n.shape, 'float64') : rng.normal(n.shape);
  }
  return feeds;
}
