// The gradient-check spec table: one row per op x shapes (broadcasting included), each a graph
// builder plus float64 inputs drawn in a range that keeps away from kinks (log/sqrt/div near 0,
// ties of max). gradcheck.test.ts runs every row through `gradCheck` (finite differences).
import {
  add, broadcastTo, concat, cos, div, exp, flip, greater, log, max, maximum, mean, minimum, mul, neg, pad, pow,
  reshape, sin, slice, sqrt, squeeze, sub, sum, transpose, unsqueeze, where,
  type HostTensor, type Sym,
} from '@ddpo/tensor';
import { randomTensor } from '@ddpo/tensor/testing';

/** One gradient check: a name, float64 inputs and the graph to differentiate. */
export interface GradSpec {
  name: string;
  inputs: Record<string, HostTensor>;
  build: (x: Record<string, Sym>) => Sym;
}

type Range = [number, number];
const ANY: Range = [-1, 1];
const POS: Range = [0.5, 2];

let seed = 1;
function inputs(shapes: Record<string, readonly number[]>, ranges: Record<string, Range> = {}): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const [lo, hi] = ranges[name] ?? ANY;
    out[name] = randomTensor(shape, seed++, lo, hi);
  }
  return out;
}

const UNARY: [string, (x: Sym) => Sym, Range][] = [
  ['neg', neg, ANY], ['exp', exp, ANY], ['log', log, POS], ['sqrt', sqrt, POS], ['sin', sin, ANY], ['cos', cos, ANY],
];
const BINARY: [string, (a: Sym, b: Sym) => Sym, Range, Range][] = [
  ['add', add, ANY, ANY], ['sub', sub, ANY, ANY], ['mul', mul, ANY, ANY], ['div', div, ANY, POS],
  ['pow', pow, POS, ANY], ['maximum', maximum, ANY, ANY], ['minimum', minimum, ANY, ANY],
];
/** Operand shape pairs: equal, trailing broadcast, both stretched, scalar, rank-changing. */
const BINARY_SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[], [2, 3]], [[4, 1, 3], [2, 1]],
];

function elementwiseSpecs(): GradSpec[] {
  const specs: GradSpec[] = [];
  for (const [name, f, r] of UNARY) {
    for (const shape of [[3, 4], []]) specs.push({ name: `${name} [${shape}]`, inputs: inputs({ x: shape }, { x: r }), build: ({ x }) => f(x) });
  }
  for (const [name, f, ra, rb] of BINARY) {
    for (const [sa, sb] of BINARY_SHAPES) {
      specs.push({ name: `${name} [${sa}] x [${sb}]`, inputs: inputs({ a: sa, b: sb }, { a: ra, b: rb }), build: ({ a, b }) => f(a, b) });
    }
  }
  specs.push(
    { name: 'mul by a number', inputs: inputs({ x: [3] }), build: ({ x }) => mul(x, 2.5) },
    { name: 'number minus x', inputs: inputs({ x: [3] }), build: ({ x }) => sub(1, x) },
    { name: 'number over x', inputs: inputs({ x: [3] }, { x: POS }), build: ({ x }) => div(2, x) },
    { name: 'pow with constant exponent, negative base', inputs: inputs({ x: [5] }), build: ({ x }) => pow(x, 3) },
    { name: 'pow with constant base', inputs: inputs({ x: [5] }), build: ({ x }) => pow(2, x) },
    {
      name: 'where [2,3] ? [3] : [2,1]',
      inputs: inputs({ c: [2, 3], a: [3], b: [2, 1] }),
      // c is float and differentiated too, but only through the mask: its gradient is exactly 0.
      build: ({ c, a, b }) => where(greater(c, 0), a, b),
    },
    { name: 'x used three times', inputs: inputs({ x: [2, 3] }), build: ({ x }) => mul(add(x, exp(x)), sin(x)) },
  );
  return specs;
}

function reduceSpecs(): GradSpec[] {
  const x = (shape: number[]) => inputs({ x: shape });
  return [
    { name: 'sum all', inputs: x([2, 3, 4]), build: ({ x }) => sum(x) },
    { name: 'sum axis 1', inputs: x([2, 3, 4]), build: ({ x }) => sum(x, 1) },
    { name: 'sum axes [0, 2] keepDims', inputs: x([2, 3, 4]), build: ({ x }) => sum(x, [0, 2], true) },
    { name: 'sum axis -1', inputs: x([2, 3]), build: ({ x }) => sum(x, -1) },
    { name: 'mean axis 0', inputs: x([4, 3]), build: ({ x }) => mean(x, 0) },
    { name: 'mean all', inputs: x([4, 3]), build: ({ x }) => mean(x) },
    { name: 'max axis 1', inputs: x([3, 5]), build: ({ x }) => max(x, 1) },
    { name: 'max all keepDims', inputs: x([3, 5]), build: ({ x }) => max(x, undefined, true) },
    { name: 'max axes [0, 2]', inputs: x([2, 3, 4]), build: ({ x }) => max(x, [0, 2]) },
    {
      name: 'softmax composite (max, exp, sum, div)',
      inputs: x([2, 5]),
      build: ({ x }) => {
        const e = exp(sub(x, max(x, -1, true)));
        return div(e, sum(e, -1, true));
      },
    },
  ];
}

function movementSpecs(): GradSpec[] {
  const x = (shape: number[]) => inputs({ x: shape });
  return [
    { name: 'reshape [2,3,4] -> [6,-1]', inputs: x([2, 3, 4]), build: ({ x }) => reshape(x, [6, -1]) },
    { name: 'transpose [2,0,1]', inputs: x([2, 3, 4]), build: ({ x }) => transpose(x, [2, 0, 1]) },
    { name: 'transpose default', inputs: x([2, 3]), build: ({ x }) => transpose(x) },
    { name: 'broadcastTo [3] -> [2,4,3]', inputs: x([3]), build: ({ x }) => broadcastTo(x, [2, 4, 3]) },
    { name: 'broadcastTo [2,1] -> [2,3]', inputs: x([2, 1]), build: ({ x }) => broadcastTo(x, [2, 3]) },
    { name: 'slice step 1', inputs: x([4, 5]), build: ({ x }) => slice(x, [1, 2], [3, 5]) },
    { name: 'slice negative start', inputs: x([4, 5]), build: ({ x }) => slice(x, [-3], [-1], [1]) },
    { name: 'slice step 2', inputs: x([7, 3]), build: ({ x }) => slice(x, [1], [7], [0], [2]) },
    { name: 'slice step 3, two axes', inputs: x([7, 8]), build: ({ x }) => slice(x, [0, 1], [7, 8], [0, 1], [3, 2]) },
    { name: 'slice step -2', inputs: x([3, 7]), build: ({ x }) => slice(x, [5], [0], [1], [-2]) },
    { name: 'flip [0, 1]', inputs: x([3, 4]), build: ({ x }) => flip(x, [0, 1]) },
    {
      name: 'concat 3 inputs axis 1',
      inputs: inputs({ a: [2, 1], b: [2, 3], c: [2, 2] }),
      build: ({ a, b, c }) => concat([a, b, c], 1),
    },
    { name: 'pad', inputs: x([2, 3]), build: ({ x }) => pad(x, [1, 0, 2, 3], 0.5) },
    { name: 'pad with crop (negative pads)', inputs: x([3, 4]), build: ({ x }) => pad(x, [-1, 1, 0, -2]) },
    { name: 'unsqueeze / squeeze', inputs: x([3, 1, 2]), build: ({ x }) => unsqueeze(squeeze(x, 1), [0, 3]) },
  ];
}

/** Every gradient-check row of the core ops. */
export const GRAD_SPECS: GradSpec[] = [...elementwiseSpecs(), ...reduceSpecs(), ...movementSpecs()];
