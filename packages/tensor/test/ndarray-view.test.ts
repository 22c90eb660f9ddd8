// HostTensor.view(): a scijs ndarray over the tensor's own memory (no copy), the documented interop with
// scijs ndarray tools: same shape and row-major strides, reads and writes shared, strided views.
import { describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';

describe('HostTensor.view()', () => {
  it('is an ndarray of the same shape and row-major strides over the same buffer', () => {
    const t = tensor([0, 1, 2, 3, 4, 5], [2, 3]);
    const v = t.view();
    expect(v.shape).toEqual([2, 3]);
    expect(v.stride).toEqual([3, 1]);
    expect(v.dtype).toBe('float32');
    expect(v.data).toBe(t.data); // no copy
    expect(v.get(1, 2)).toBe(5);
    expect(v.get(0, 1)).toBe(t.get(0, 1));
  });

  it('writes through to the tensor, and the tensor\'s writes show in the view', () => {
    const t = tensor([0, 1, 2, 3, 4, 5], [2, 3]);
    const v = t.view();
    v.set(1, 0, 42);
    expect(t.toArray()).toEqual([0, 1, 2, 42, 4, 5]);
    (t.data as Float32Array)[5] = -1;
    expect(v.get(1, 2)).toBe(-1);
  });

  it('gives strided views without copying: transpose, pick, hi/lo, step', () => {
    const t = tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const v = t.view();
    const tr = v.transpose(2, 0, 1); // [4, 2, 3]
    expect(tr.shape).toEqual([4, 2, 3]);
    expect(tr.get(3, 1, 2)).toBe(t.get(1, 2, 3));
    const column = v.pick(1, null, 2); // element [1, i, 2] for i in 0..2
    expect([0, 1, 2].map((i) => column.get(i))).toEqual([14, 18, 22]);
    const window = v.hi(2, 3, 4).lo(1, 1, 1); // [1..2) x [1..3) x [1..4)
    expect(window.shape).toEqual([1, 2, 3]);
    expect(window.get(0, 0, 0)).toBe(17);
    const every2nd = v.step(1, 1, 2);
    expect(every2nd.get(0, 2, 1)).toBe(10);
    every2nd.set(0, 0, 0, 99);
    expect(t.get(0, 0, 0)).toBe(99);
  });

  it('keeps the dtype of every HostTensor kind', () => {
    expect(tensor([1, 2], [2], 'float64').view().dtype).toBe('float64');
    expect(tensor([1, 2], [2], 'int32').view().dtype).toBe('int32');
    expect(tensor([1, 0], [2], 'bool').view().dtype).toBe('uint8');
  });
});
