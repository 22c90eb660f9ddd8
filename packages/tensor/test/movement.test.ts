// Movement kernels: reshape, transpose, broadcastTo, slice (ONNX clamping, negative and large
// steps), concat, pad (and negative pads), unsqueeze, squeeze, flip. Expected values are written
// out by hand from x = 0..n-1 in row-major order.
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder, ShapeError, broadcastTo, concat, evaluate, flip, pad, reshape, slice, squeeze, tensor, transpose, unsqueeze,
  type HostTensor, type Sym,
} from '@ddpo/tensor';
import { assertAllClose } from '@ddpo/tensor/testing';

function run(f: (...x: Sym[]) => Sym, ...xs: HostTensor[]): HostTensor {
  const b = new GraphBuilder();
  b.output('y', f(...xs.map((x) => b.constant(x))));
  return evaluate(b.build(), {}).y;
}
const iota = (shape: number[]) => tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);

describe('movement kernels', () => {
  it('reshape infers one -1 and refuses a size change', () => {
    assertAllClose(run((x) => reshape(x, [-1, 2]), iota([2, 3])), [0, 1, 2, 3, 4, 5], { shape: [3, 2] });
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    expect(() => reshape(x, [4, 2])).toThrow('reshape: cannot reshape 6 elements to [4, 2]; expected the same element count (operand shapes [2, 3])');
    expect(() => reshape(x, [-1, 4])).toThrow(/cannot infer the -1/);
  });

  it('transposes with a permutation (default: reversed)', () => {
    // x [2, 3, 2]; y = x.transpose(1, 0, 2) -> y[j][i][k] = x[i][j][k] = 6i + 2j + k
    assertAllClose(run((x) => transpose(x, [1, 0, 2]), iota([2, 3, 2])), [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11], { shape: [3, 2, 2] });
    assertAllClose(run((x) => transpose(x), iota([2, 3])), [0, 3, 1, 4, 2, 5], { shape: [3, 2] });
  });

  it('broadcasts to a larger shape and refuses an incompatible one', () => {
    assertAllClose(run((x) => broadcastTo(x, [2, 2, 3]), iota([2, 1])), [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1], { shape: [2, 2, 3] });
    const b = new GraphBuilder();
    const x = b.input('x', [3]);
    expect(() => broadcastTo(x, [2, 4])).toThrow(/^broadcastTo: cannot broadcast dimension/);
    expect(() => broadcastTo(b.input('y', [2, 3]), [3])).toThrow(/^broadcastTo: cannot broadcast to \[3\]/);
  });

  it('slices with ONNX semantics: negatives, clamping, steps', () => {
    const x = iota([10]);
    assertAllClose(run((v) => slice(v, [2], [100]), x), [2, 3, 4, 5, 6, 7, 8, 9]);
    assertAllClose(run((v) => slice(v, [-3], [-1]), x), [7, 8]);
    assertAllClose(run((v) => slice(v, [1], [10], [0], [3]), x), [1, 4, 7]);
    assertAllClose(run((v) => slice(v, [8], [1], [0], [-3]), x), [8, 5, 2]);
    assertAllClose(run((v) => slice(v, [-1], [-Infinity], [0], [-4]), x), [9, 5, 1]);
    assertAllClose(run((v) => slice(v, [5], [2]), x), [], { shape: [0] });
  });

  it('slices several axes of a matrix', () => {
    // x [3, 4]: rows 0..2 step 2, columns 3..0 step -2 -> [[3, 1], [11, 9]]
    assertAllClose(run((v) => slice(v, [0, 3], [3, -Infinity], [0, 1], [2, -2]), iota([3, 4])), [3, 1, 11, 9], { shape: [2, 2] });
  });

  it('flips axes', () => {
    assertAllClose(run((x) => flip(x, 1), iota([2, 3])), [2, 1, 0, 5, 4, 3]);
    assertAllClose(run((x) => flip(x, [0, 1]), iota([2, 3])), [5, 4, 3, 2, 1, 0]);
  });

  it('concatenates along an axis and names mismatched shapes', () => {
    assertAllClose(run((a, b) => concat([a, b], -1), iota([2, 1]), iota([2, 2])), [0, 0, 1, 1, 2, 3], { shape: [2, 3] });
    const b = new GraphBuilder();
    const [u, v] = [b.input('u', [2, 1]), b.input('v', [3, 2])];
    expect(() => concat([u, v], 1)).toThrow('concat: operands must match on every axis except 1 (operand shapes [2, 1], [3, 2])');
  });

  it('pads in ONNX order with a value, and crops with negative pads', () => {
    // x [2, 2] = [[0, 1], [2, 3]]; pads [1, 0, 0, 1]: one row on top, one column on the right.
    assertAllClose(run((x) => pad(x, [1, 0, 0, 1], 9), iota([2, 2])), [9, 9, 9, 0, 1, 9, 2, 3, 9], { shape: [3, 3] });
    // x [3, 3]; pads [-1, 1, 0, -1]: drop the first row, add a left column, drop the last column.
    assertAllClose(run((x) => pad(x, [-1, 1, 0, -1]), iota([3, 3])), [0, 3, 4, 0, 6, 7], { shape: [2, 3] });
  });

  it('unsqueezes and squeezes', () => {
    expect(run((x) => unsqueeze(x, [0, -1]), iota([3])).shape).toEqual([1, 3, 1]);
    expect(run((x) => squeeze(x), iota([1, 3, 1])).shape).toEqual([3]);
    const b = new GraphBuilder();
    const x = b.input('x', [2, 1]);
    expect(() => squeeze(x, 0)).toThrow(ShapeError);
    expect(() => squeeze(x, 0)).toThrow(/squeeze: axis 0 has size 2; expected 1/);
  });

  it('moves int64 and bool values unchanged', () => {
    const r = run((x) => flip(x, 0), tensor([1n, 2n ** 62n], [2], 'int64'));
    expect(Array.from(r.data as BigInt64Array)).toEqual([2n ** 62n, 1n]);
    expect(run((x) => pad(x, [1, 0]), tensor([1, 1], [2], 'bool')).toArray()).toEqual([0, 1, 1]);
  });
});
