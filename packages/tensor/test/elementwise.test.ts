// Elementwise reference kernels: values (hand-computed or from Math.* / Math.fround, never from the
// code under test), the defined edge cases, float32 rounding, integer semantics, broadcasting and
// the shape/dtype errors, which must name the op, the operand shapes and what was expected.
import { describe, expect, it } from 'vitest';
import {
  DTypeError, GraphBuilder, ShapeError, add, cast, cos, div, equal, evaluate, exp, greater, less, log, maximum,
  minimum, mul, neg, pow, sin, sqrt, sub, tensor, where, type DType, type HostTensor, type Sym,
} from '@ddpo/tensor';
import { assertAllClose } from '@ddpo/tensor/testing';

/** Evaluates f on constant operands. */
function run(f: (...xs: Sym[]) => Sym, ...xs: HostTensor[]): HostTensor {
  const b = new GraphBuilder();
  b.output('y', f(...xs.map((x) => b.constant(x))));
  return evaluate(b.build(), {}).y;
}

const f64 = (v: number[], shape?: number[]) => tensor(new Float64Array(v), shape);

describe('unary kernels', () => {
  const x = [0.25, 1, 2.5, 4];
  it.each<[string, (x: Sym) => Sym, (v: number) => number]>([
    ['neg', neg, (v) => -v], ['exp', exp, Math.exp], ['log', log, Math.log], ['sqrt', sqrt, Math.sqrt], ['sin', sin, Math.sin], ['cos', cos, Math.cos],
  ])('%s matches Math in float64 and rounds like float32', (_name, f, ref) => {
    assertAllClose(run(f, f64(x)), x.map(ref), { rtol: 0, atol: 0 });
    const y32 = run(f, tensor(x, [4], 'float32'));
    expect(y32.dtype).toBe('float32');
    assertAllClose(y32, x.map((v) => Math.fround(ref(Math.fround(v)))), { rtol: 0, atol: 0 });
  });

  it('defines the edge cases: log 0 = -Inf, log -1 = NaN, sqrt -1 = NaN, exp overflow = Inf', () => {
    assertAllClose(run(log, f64([0, -1])), [-Infinity, NaN]);
    assertAllClose(run(sqrt, f64([-1, 0])), [NaN, 0]);
    assertAllClose(run(exp, tensor([100], [1], 'float32')), [Infinity]); // e^100 > float32 max
  });

  it('rejects exp of an int with a DTypeError naming the op', () => {
    const b = new GraphBuilder();
    expect(() => exp(b.input('i', [2], 'int32'))).toThrow(DTypeError);
    expect(() => exp(b.input('j', [2], 'int32'))).toThrow(/^exp: dtype int32 is not accepted/);
  });
});

describe('binary kernels', () => {
  it('broadcasts [2,1] with [3] to [2,3]', () => {
    // [[1], [2]] + [10, 20, 30]
    assertAllClose(run(add, f64([1, 2], [2, 1]), f64([10, 20, 30], [3])), [11, 21, 31, 12, 22, 32], { shape: [2, 3] });
  });

  it('rounds float32 results once, like float32 hardware', () => {
    const a = [0.1, 1e8, 1 / 3], b = [0.2, 1, 3];
    const r = (f: (a: number, b: number) => number) => a.map((v, i) => Math.fround(f(Math.fround(v), Math.fround(b[i]))));
    const A = tensor(a, [3], 'float32'), B = tensor(b, [3], 'float32');
    assertAllClose(run(add, A, B), r((x, y) => x + y), { rtol: 0, atol: 0 });
    assertAllClose(run(mul, A, B), r((x, y) => x * y), { rtol: 0, atol: 0 });
    assertAllClose(run(div, A, B), r((x, y) => x / y), { rtol: 0, atol: 0 });
    // 1e8 + 1 is not representable in float32: the sum stays 1e8.
    expect(run(add, A, B).data[1]).toBe(1e8);
  });

  it('defines 0/0 = NaN, 1/0 = Inf and NaN propagation through maximum/minimum', () => {
    assertAllClose(run(div, f64([0, 1, -1]), f64([0, 0, 0])), [NaN, Infinity, -Infinity]);
    assertAllClose(run(maximum, f64([NaN, 1, 2]), f64([0, NaN, 1])), [NaN, NaN, 2]);
    assertAllClose(run(minimum, f64([NaN, 1, 2]), f64([0, NaN, 1])), [NaN, NaN, 1]);
  });

  it('follows C pow: 1^NaN = 1, 0^0 = 1, (-8)^(1/3) = NaN, (-2)^3 = -8', () => {
    assertAllClose(run(pow, f64([1, 0, -8, -2]), f64([NaN, 0, 1 / 3, 3])), [1, 1, NaN, -8]);
  });

  it('does integer arithmetic on int32 (wrapping, truncating division, x/0 = 0) and int64', () => {
    const i32 = (v: number[]) => tensor(v, [v.length], 'int32');
    assertAllClose(run(div, i32([7, -7, 5]), i32([2, 2, 0])), [3, -3, 0]);
    assertAllClose(run(add, i32([2147483647]), i32([1])), [-2147483648]);
    assertAllClose(run(mul, i32([65536]), i32([65536])), [0]);
    const i64 = (v: bigint[]) => tensor(v, [v.length], 'int64');
    const r = run(sub, i64([9007199254740993n, 5n]), i64([1n, 7n]));
    expect(r.dtype).toBe('int64');
    expect(Array.from(r.data as BigInt64Array)).toEqual([9007199254740992n, -2n]);
  });

  it('turns a number operand into a scalar of the other side dtype', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2], 'int32');
    const y = sub(10, x);
    expect(y.dtype).toBe('int32');
    b.output('y', y);
    assertAllClose(evaluate(b.build(), { x: tensor([3, 4], [2], 'int32') }).y, [7, 6]);
  });

  it('names op, shapes and expectation on a broadcast mismatch', () => {
    const b = new GraphBuilder();
    const [x, y] = [b.input('a', [2, 3]), b.input('b', [4])];
    const f = () => add(x, y);
    expect(f).toThrow(ShapeError);
    expect(f).toThrow('add: cannot broadcast dimension 4 against 3 (axis -1 from the end); expected equal sizes or 1 (operand shapes [2, 3], [4])');
  });

  it('refuses mixed dtypes', () => {
    const b = new GraphBuilder();
    expect(() => mul(b.input('a', [2], 'float32'), b.input('b', [2], 'float64'))).toThrow(/^mul: operands must have the same dtype.*float32, float64/);
  });
});

describe('comparisons, where and cast', () => {
  it('compare to bool with NaN false everywhere', () => {
    const a = f64([1, 2, NaN]), b = f64([2, 2, NaN]);
    expect(run(less, a, b).toArray()).toEqual([1, 0, 0]);
    expect(run(greater, a, b).toArray()).toEqual([0, 0, 0]);
    const eq = run(equal, a, b);
    expect(eq.dtype).toBe('bool');
    expect(eq.toArray()).toEqual([0, 1, 0]);
  });

  it('where broadcasts condition and both branches', () => {
    const c = tensor([1, 0], [2, 1], 'bool');
    assertAllClose(run(where, c, f64([1, 2, 3], [3]), f64([-1], [1])), [1, 2, 3, -1, -1, -1], { shape: [2, 3] });
  });

  it('where requires a bool condition', () => {
    const b = new GraphBuilder();
    expect(() => where(b.input('c', [2]), b.input('a', [2]), 0)).toThrow(/^where: condition has dtype float32; expected bool/);
  });

  it.each<[DType, number[]]>([
    ['int32', [2, -2, 0, 0, 3]],
    ['bool', [1, 1, 1, 0, 1]],
  ])('cast float64 -> %s truncates toward zero (NaN/Inf -> 0 for ints)', (to, expected) => {
    const r = run((x) => cast(x, to), f64([2.7, -2.7, NaN, 0, 3]));
    expect(r.dtype).toBe(to);
    // NaN is non-zero, so it casts to true, as in NumPy.
    expect(r.toArray()).toEqual(expected);
  });

  it('casts float64 -> int64 -> float32 exactly where representable', () => {
    const r = run((x) => cast(cast(x, 'int64'), 'float32'), f64([-3.9, 16777217, Infinity]));
    expect(r.toArray()).toEqual([-3, 16777216, 0]); // 2^24 + 1 rounds to 2^24 in float32
  });
});
