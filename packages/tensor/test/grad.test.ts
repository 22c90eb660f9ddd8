// Hand-worked gradients (exact values worked out on paper in each comment): broadcast
// un-reduction, unused inputs, seeds, stopGradient, cast, max/min ties, pow at base 0, and the
// errors grad raises; plus valueAndGrad's outputs.
import { describe, expect, it } from 'vitest';
import {
  DTypeError, GraphBuilder, GraphError, ShapeError, add, cast, evaluate, grad, max, maximum, mul, pow, stopGradient, sum,
  tensor, valueAndGrad, type Sym, type TensorMap,
} from '@ddpo/tensor';
import { assertAllClose } from '@ddpo/tensor/testing';

const f64 = (values: number[], shape: number[]) => tensor(new Float64Array(values), shape);

/** Builds y = f(inputs), outputs each gradient as grad:<name>, evaluates. */
function grads(specs: Record<string, number[]>, f: (x: Record<string, Sym>) => Sym, feeds: TensorMap, seed?: (b: GraphBuilder) => Sym): TensorMap {
  const b = new GraphBuilder();
  const xs: Record<string, Sym> = {};
  for (const [n, shape] of Object.entries(specs)) xs[n] = b.input(n, shape, 'float64');
  const y = f(xs);
  const gs = grad(y, Object.values(xs), seed?.(b));
  Object.keys(xs).forEach((n, k) => b.output(n, gs[k]));
  return evaluate(b.build(), feeds);
}

describe('grad: hand-worked cases', () => {
  it('un-reduces broadcasting: d sum(x + b)/db counts the rows b was copied to', () => {
    // x [2, 3] + b [3] + c [2, 1]: db = [2, 2, 2] (two rows), dc = [[3], [3]] (three columns).
    const r = grads({ x: [2, 3], b: [3], c: [2, 1] }, ({ x, b, c }) => sum(add(add(x, b), c)), {
      x: f64([1, 2, 3, 4, 5, 6], [2, 3]), b: f64([0, 0, 0], [3]), c: f64([0, 0], [2, 1]),
    });
    assertAllClose(r.b, [2, 2, 2], { shape: [3] });
    assertAllClose(r.c, [3, 3], { shape: [2, 1] });
    assertAllClose(r.x, [1, 1, 1, 1, 1, 1], { shape: [2, 3] });
  });

  it('gives an input that y does not depend on zeros of its shape', () => {
    const r = grads({ x: [2], unused: [3, 2] }, ({ x }) => sum(mul(x, x)), { x: f64([3, -1], [2]), unused: f64([1, 2, 3, 4, 5, 6], [3, 2]) });
    assertAllClose(r.x, [6, -2]); // d x^2 = 2x
    assertAllClose(r.unused, [0, 0, 0, 0, 0, 0], { shape: [3, 2] });
  });

  it('refuses a non-scalar y without a seed, naming the shape', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3], 'float64');
    expect(() => grad(mul(x, 2), [x])).toThrow(ShapeError);
    expect(() => grad(mul(x, 2), [x])).toThrow(/grad: y must be a scalar.*\[2, 3\]/);
  });

  it('uses a given seed as the cotangent of a non-scalar y', () => {
    // y = 3x, seed s: dx = 3s.
    const r = grads({ x: [3] }, ({ x }) => mul(x, 3), { x: f64([1, 2, 3], [3]) }, (b) => b.constant(f64([1, 10, 100], [3])));
    assertAllClose(r.x, [3, 30, 300]);
  });

  it('rejects a seed of the wrong shape and wrt values of int dtype', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3], 'float64');
    const i = b.input('i', [3], 'int32');
    expect(() => grad(mul(x, 2), [x], b.constant(f64([1, 2], [2])))).toThrow(/seed must have y's shape/);
    expect(() => grad(sum(x), [i])).toThrow(DTypeError);
    expect(() => grad(sum(x), [new GraphBuilder().input('z', [1], 'float64')])).toThrow(GraphError);
  });

  it('stops gradients at stopGradient: d(x * sg(x))/dx = sg(x), not 2x', () => {
    const r = grads({ x: [2] }, ({ x }) => sum(mul(x, stopGradient(x))), { x: f64([3, 5], [2]) });
    assertAllClose(r.x, [3, 5]);
  });

  it('casts the cotangent back through a float cast', () => {
    // y = sum(cast(x, float32) * 2): dx = 2, as float64.
    const r = grads({ x: [2] }, ({ x }) => cast(sum(mul(cast(x, 'float32'), 2)), 'float64'), { x: f64([0.1, 0.2], [2]) });
    expect(r.x.dtype).toBe('float64');
    assertAllClose(r.x, [2, 2]);
  });

  it('splits maximum ties 0.5/0.5 and sends the rest to the larger side', () => {
    // maximum(a, b) with a = [1, 2, 3], b = [1, 5, 0]: da = [0.5, 0, 1], db = [0.5, 1, 0].
    const r = grads({ a: [3], b: [3] }, ({ a, b }) => sum(maximum(a, b)), { a: f64([1, 2, 3], [3]), b: f64([1, 5, 0], [3]) });
    assertAllClose(r.a, [0.5, 0, 1]);
    assertAllClose(r.b, [0.5, 1, 0]);
  });

  it('shares a reduceMax cotangent evenly among tied maxima', () => {
    // max over [[1, 4, 4], [2, 0, 1]] per row: row 0 ties at two places -> 0.5 each.
    const r = grads({ x: [2, 3] }, ({ x }) => sum(max(x, 1)), { x: f64([1, 4, 4, 2, 0, 1], [2, 3]) });
    assertAllClose(r.x, [0, 0.5, 0.5, 1, 0, 0]);
  });

  it('gives pow a zero (not NaN) exponent gradient at base 0 and a finite base gradient', () => {
    // a^b at a = [0, 2], b = [2, 3]: da = b a^(b-1) = [0, 12]; db = a^b ln a = [0 (guarded), 8 ln 2].
    const r = grads({ a: [2], b: [2] }, ({ a, b }) => sum(pow(a, b)), { a: f64([0, 2], [2]), b: f64([2, 3], [2]) });
    assertAllClose(r.a, [0, 12]);
    assertAllClose(r.b, [0, 8 * Math.LN2]);
  });

  it('accumulates the cotangents of a value used twice', () => {
    // y = sum(x * x + x): dy/dx = 2x + 1.
    const r = grads({ x: [3] }, ({ x }) => sum(add(mul(x, x), x)), { x: f64([1, -2, 0.5], [3]) });
    assertAllClose(r.x, [3, -3, 2]);
  });

  it('differentiates a gradient again (second order): d2(x^3)/dx2 = 6x', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2], 'float64');
    const [dx] = grad(sum(mul(mul(x, x), x)), [x]);
    const [ddx] = grad(sum(dx), [x]);
    b.output('ddx', ddx);
    assertAllClose(evaluate(b.build(), { x: f64([1, -2], [2]) }).ddx, [6, -12]);
  });

  it('differentiates y with respect to itself as the seed (ones)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [], 'float64');
    const [g] = grad(x, [x]);
    b.output('g', g);
    assertAllClose(evaluate(b.build(), { x: f64([4], []) }).g, [1]);
  });
});

describe('valueAndGrad', () => {
  it('builds one graph with value and grad:<name> outputs', () => {
    // value = sum(w * x) = 1*4 + 2*5 + 3*6 = 32; grad:w = x.
    const g = valueAndGrad(({ w, x }) => sum(mul(w, x)), { w: { shape: [3], dtype: 'float64' }, x: { shape: [3], dtype: 'float64' } }, ['w']);
    expect(g.outputs.map((o) => o.name)).toEqual(['value', 'grad:w']);
    const out = evaluate(g, { w: f64([1, 2, 3], [3]), x: f64([4, 5, 6], [3]) });
    assertAllClose(out.value, [32]);
    assertAllClose(out['grad:w'], [4, 5, 6]);
  });

  it('names an unknown wrt input', () => {
    expect(() => valueAndGrad(({ x }) => sum(x), { x: { shape: [2] } }, ['y'])).toThrow(/wrt 'y' is not an input/);
  });
});
