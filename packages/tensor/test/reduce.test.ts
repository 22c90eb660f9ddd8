// Reduction kernels: sum / mean / max over chosen axes with and without keepDims (expected values
// summed by hand), NaN propagation of max, float32 rounding, int sums and the axis errors.
import { describe, expect, it } from 'vitest';
import { DTypeError, GraphBuilder, ShapeError, evaluate, max, mean, sum, tensor, type HostTensor, type Sym } from '@ddpo/tensor';
import { assertAllClose } from '@ddpo/tensor/testing';

function run(f: (x: Sym) => Sym, x: HostTensor): HostTensor {
  const b = new GraphBuilder();
  b.output('y', f(b.constant(x)));
  return evaluate(b.build(), {}).y;
}

// x[i][j][k] = 100 i + 10 j + k over [2, 3, 2].
const X = tensor(new Float64Array([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]), [2, 3, 2]);

describe('sum / mean / max', () => {
  it('sums every axis by default', () => {
    assertAllClose(run((x) => sum(x), X), [726], { shape: [] });
  });

  it('sums one axis, negative axes count from the end', () => {
    assertAllClose(run((x) => sum(x, 1), X), [30, 33, 330, 333], { shape: [2, 2] });
    assertAllClose(run((x) => sum(x, -1), X), [1, 21, 41, 201, 221, 241], { shape: [2, 3] });
  });

  it('keeps reduced axes as size 1 with keepDims', () => {
    assertAllClose(run((x) => sum(x, [0, 2], true), X), [202, 242, 282], { shape: [1, 3, 1] });
  });

  it('means and maxes over axes', () => {
    assertAllClose(run((x) => mean(x, [1, 2]), X), [10.5, 110.5], { shape: [2] });
    assertAllClose(run((x) => max(x, 1), X), [20, 21, 120, 121], { shape: [2, 2] });
    assertAllClose(run((x) => max(x, [0, 1], true), X), [120, 121], { shape: [1, 1, 2] });
  });

  it('propagates NaN through max and keeps -Inf rows', () => {
    const x = tensor(new Float64Array([1, NaN, 3, -Infinity, -Infinity, -Infinity]), [2, 3]);
    assertAllClose(run((v) => max(v, 1), x), [NaN, -Infinity]);
  });

  it('sums float32 exactly, then rounds once', () => {
    // float32 spacing near 1e8 is 8: 1e8 + 3 + 3 + 3 = 100000009 rounds to 100000008, while a
    // float32 running sum would round 1e8 + 3 back to 1e8 at every step.
    const r = run((x) => sum(x), tensor([1e8, 3, 3, 3], [4], 'float32'));
    expect(r.dtype).toBe('float32');
    expect(r.data[0]).toBe(100000008);
  });

  it('sums int32 and int64', () => {
    expect(run((x) => sum(x, 0), tensor([1, 2, 3, 4], [2, 2], 'int32')).toArray()).toEqual([4, 6]);
    const r = run((x) => max(x), tensor([5n, -3n, 2n ** 60n], [3], 'int64'));
    expect(r.data[0]).toBe(2n ** 60n);
  });

  it('errors name the op, the shape and the valid axis range', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    expect(() => sum(x, 2)).toThrow(ShapeError);
    expect(() => sum(x, 2)).toThrow('sum: axis 2 is out of range; expected an integer in [-2, 2) (operand shapes [2, 3])');
    expect(() => max(x, [1, -1])).toThrow(/max: axis 1 is listed twice/);
    expect(() => mean(b.input('i', [2], 'int32'))).toThrow(DTypeError);
  });
});
