// Reverse-mode autodiff over a GraphBuilder's nodes: walks the nodes that lie between `wrt` and
// `y` from last to first (ids are topological), calls each primitive's VJP rule and sums the
// cotangents. The backward pass is recorded into the same builder, as ordinary graph nodes.
import { GraphBuilder, type Sym } from './builder.js';
import { isFloat, type DType } from './dtype.js';
import { DTypeError, GraphError, ShapeError } from './errors.js';
import type { Graph } from './ir.js';
import { add } from './ops/elementwise.js';
import { rules } from './ops/index.js';
import { broadcastTo } from './ops/movement.js';
import type { OpRules } from './rules.js';

/** Marks the nodes that depend on some `wrt` and that `y` depends on: the only ones with a VJP to run. */
function relevantNodes(b: GraphBuilder, y: Sym, wrt: readonly Sym[]): Uint8Array {
  const n = y.id + 1;
  const fromWrt = new Uint8Array(n);
  for (const w of wrt) if (w.id < n) fromWrt[w.id] = 1;
  for (let i = 0; i < n; i++) if (!fromWrt[i] && b.nodes[i].inputs.some((j) => fromWrt[j])) fromWrt[i] = 1;
  const toY = new Uint8Array(n);
  toY[y.id] = 1;
  for (let i = n - 1; i >= 0; i--) if (toY[i]) for (const j of b.nodes[i].inputs) toY[j] = 1;
  for (let i = 0; i < n; i++) fromWrt[i] &= toY[i];
  return fromWrt;
}

function checkArgs(y: Sym, wrt: readonly Sym[], seed?: Sym): Sym {
  if (!isFloat(y.dtype)) throw new DTypeError('grad', [y.dtype], 'y must be float32 or float64');
  for (const w of [...wrt, ...(seed ? [seed] : [])]) {
    if (w.builder !== y.builder) throw new GraphError('grad: wrt and seed must come from the same GraphBuilder as y');
  }
  for (const w of wrt) {
    if (!isFloat(w.dtype)) throw new DTypeError('grad', [w.dtype], `cannot differentiate with respect to a ${w.dtype} value (node ${w.id}); expected a float`);
  }
  if (seed === undefined) {
    if (y.size !== 1) {
      throw new ShapeError('grad', [y.shape], 'y must be a scalar (one element) when no seed is given; pass a seed of y\'s shape for a vector-Jacobian product');
    }
    return broadcastTo(y.builder.scalar(1, y.dtype), [...y.shape]);
  }
  if (seed.dtype !== y.dtype || seed.shape.length !== y.shape.length || seed.shape.some((d, k) => d !== y.shape[k])) {
    throw new ShapeError('grad', [y.shape, seed.shape], `seed must have y's shape and dtype ${y.dtype} (got ${seed.dtype})`);
  }
  return seed;
}

/**
 * Gradients of `y` with respect to each of `wrt`, as new values in the same builder. `y` must be
 * a one-element tensor unless `seed` (the cotangent of y, y's shape) is given. A `wrt` value that
 * y does not depend on gets zeros of its shape.
 *
 * @example
 * const b = new GraphBuilder();
 * const x = b.input('x', [3]);
 * const [dx] = grad(sum(mul(x, x)), [x]);   // 2x
 */
export function grad(y: Sym, wrt: readonly Sym[], seed?: Sym): Sym[] {
  const b = y.builder;
  const relevant = relevantNodes(b, y, wrt);
  const ct = new Map<number, Sym>([[y.id, checkArgs(y, wrt, seed)]]);
  for (let id = y.id; id >= 0; id--) {
    const g = ct.get(id);
    const node = b.nodes[id];
    if (!relevant[id] || g === undefined || node.inputs.length === 0 || !isFloat(node.dtype)) continue;
    const inputs = node.inputs.map((j) => b.sym(j));
    const rule = rules[node.op] as OpRules<typeof node.op>;
    const cts = rule.vjp(g, inputs, b.sym(id), node.params as never);
    inputs.forEach((x, k) => {
      const c = cts[k];
      if (c === null || c === undefined || !relevant[x.id] || !isFloat(x.dtype)) return;
      if (c.shape.length !== x.shape.length || c.shape.some((d, i) => d !== x.shape[i]) || c.dtype !== x.dtype) {
        throw new GraphError(`grad: the VJP of ${node.op} gave operand ${k} a cotangent ${c.dtype} [${c.shape.join(', ')}], expected ${x.dtype} [${x.shape.join(', ')}]`);
      }
      const prev = ct.get(x.id);
      ct.set(x.id, prev === undefined ? c : add(prev, c));
    });
  }
  return wrt.map((w) => ct.get(w.id) ?? broadcastTo(b.scalar(0, w.dtype), [...w.shape]));
}

/**
 * Builds one graph computing `fn` and its gradients: outputs `value` and `grad:<name>` for each
 * name in `wrt`. Inputs are declared from `specs` (dtype float32 unless given).
 *
 * @example
 * const g = valueAndGrad(({ w, x }) => sum(mul(w, x)), { w: { shape: [3] }, x: { shape: [3] } }, ['w']);
 * // g.outputs: value, grad:w
 */
export function valueAndGrad(
  fn: (inputs: Record<string, Sym>) => Sym,
  specs: Record<string, { shape: number[]; dtype?: DType }>,
  wrt: string[],
): Graph {
  const b = new GraphBuilder();
  const inputs: Record<string, Sym> = {};
  for (const [name, s] of Object.entries(specs)) inputs[name] = b.input(name, s.shape, s.dtype ?? 'float32');
  for (const name of wrt) {
    if (!(name in inputs)) throw new GraphError(`valueAndGrad: wrt '${name}' is not an input; inputs are ${Object.keys(specs).join(', ')}`);
  }
  const value = fn(inputs);
  const grads = grad(value, wrt.map((n) => inputs[n]));
  b.output('value', value);
  wrt.forEach((n, k) => b.output(`grad:${n}`, grads[k]));
  return b.build();
}
