// Global-norm clipping (torch.nn.utils.clip_grad_norm_ semantics) and gradient accumulation (accelerate's loss / k),
// checked on hand-worked numbers; torch's own clipping is also checked against adam.json in adam.test.ts.
import { describe, expect, it } from 'vitest';
import { tensor } from '@ddpo/tensor';
import { GradientAccumulator, NonFiniteGradientError, OptimizerConfigError, ParamMismatchError, ParamStore, clipGradNorm, globalGradNorm } from '@ddpo/optim';

const f64 = (values: number[], shape = [values.length]) => tensor(Float64Array.from(values), shape, 'float64');

describe('clipGradNorm', () => {
  it('returns the norm before clipping and scales by max_norm / (norm + 1e-6)', () => {
    const grads = { a: f64([3]), b: f64([0, 4], [1, 2]) };
    expect(clipGradNorm(grads, 1)).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(grads.a.data[0]).toBe(3 * coef);
    expect(Array.from(grads.b.data as Float64Array)).toEqual([0, 4 * coef]);
    expect(globalGradNorm(grads)).toBeCloseTo(1 - 2e-7, 12);
  });

  it('leaves gradients alone when the coefficient is not below 1 (norm within max_norm - 1e-6)', () => {
    const grads = { a: f64([0.6, 0.8]) };
    expect(clipGradNorm(grads, 2)).toBe(1);
    expect(Array.from(grads.a.data as Float64Array)).toEqual([0.6, 0.8]);
    // norm exactly max_norm: coefficient 1 / (1 + 1e-6) < 1, so torch still scales (slightly).
    clipGradNorm(grads, 1);
    expect(grads.a.data[0]).toBe(0.6 / (1 + 1e-6));
  });

  it('works on float32 gradients and a ParamStore', () => {
    const store = new ParamStore({ g: tensor(new Float32Array([30, 40]), [2]) });
    expect(clipGradNorm(store, 5)).toBe(50);
    expect(store.get('g').data[1]).toBeCloseTo(4, 5);
    expect(store.get('g').data).toBeInstanceOf(Float32Array);
  });

  it('throws NonFiniteGradientError on NaN/Inf and leaves every gradient as it was', () => {
    const grads = { a: f64([30, 40]), b: f64([1, Infinity]) };
    expect(() => clipGradNorm(grads, 1)).toThrow(NonFiniteGradientError);
    expect(() => clipGradNorm(grads, 1)).toThrow(/'b' is Infinity at element 1/);
    expect(Array.from(grads.a.data as Float64Array)).toEqual([30, 40]);
    expect(() => clipGradNorm(grads, 0)).toThrow(OptimizerConfigError);
  });
});

describe('GradientAccumulator', () => {
  it('gives the mean of k micro-batch gradients (sum of loss/k gradients)', () => {
    const acc = new GradientAccumulator(3);
    expect(acc.add({ w: f64([1, 2]) })).toBe(false);
    expect(acc.add({ w: f64([2, 4]) })).toBe(false);
    expect(acc.count).toBe(2);
    expect(acc.add({ w: f64([6, -3]) })).toBe(true);
    const mean = acc.take();
    expect(Array.from(mean.w.data as Float64Array)).toEqual([3, 1]);
    expect(acc.count).toBe(0);
    expect(() => acc.take()).toThrow(/no micro-batch was added/);
  });

  it('matches the full-batch gradient of a mean loss', () => {
    // loss(w) = mean_i (w - x_i)^2 / 2 over 6 samples: gradient = w - mean(x). Split into 3 micro-batches of 2.
    const xs = [0.5, -1.25, 3, 2, 0.75, -4];
    const w = 0.3;
    const acc = new GradientAccumulator(3);
    for (let k = 0; k < 3; k++) {
      const micro = xs.slice(2 * k, 2 * k + 2);
      acc.add({ w: f64([micro.reduce((s, x) => s + (w - x), 0) / micro.length]) });
    }
    const full = xs.reduce((s, x) => s + (w - x), 0) / xs.length;
    expect(acc.take().w.data[0]).toBeCloseTo(full, 14);
  });

  it('keeps the gradient dtype, divides a short group by k, and checks names and shapes', () => {
    const acc = new GradientAccumulator(4);
    acc.add({ a: tensor(new Float32Array([4]), [1]) });
    expect(() => acc.add({ b: tensor(new Float32Array([4]), [1]) })).toThrow(ParamMismatchError);
    expect(() => acc.add({ a: tensor(new Float32Array([4, 4]), [2]) })).toThrow(/'a' is float32 \[2\], expected float32 \[1\]/);
    expect(() => acc.add({ a: tensor(new Int32Array([4]), [1]) })).toThrow(/expected float/);
    expect(acc.count).toBe(1);
    const out = acc.take();
    expect(out.a.dtype).toBe('float32');
    expect(out.a.data[0]).toBe(1);
    expect(() => new GradientAccumulator(0)).toThrow(OptimizerConfigError);
  });

  it('refuses a (k+1)-th micro-batch before take()', () => {
    const acc = new GradientAccumulator(1);
    expect(acc.add({ a: f64([1]) })).toBe(true);
    expect(() => acc.add({ a: f64([1]) })).toThrow(/call take\(\) first/);
  });

  it('starts each group afresh, over the buffers of the last one: its output is not aliased, and new names or shapes are taken', () => {
    const f32 = (values: number[]) => tensor(Float32Array.from(values), [values.length]);
    const acc = new GradientAccumulator(2);
    acc.add({ a: f32([1, 2]), b: f32([3]) });
    acc.add({ a: f32([3, 4]), b: f32([5]) });
    const first = acc.take();
    expect(Array.from(first.a.data as Float32Array)).toEqual([2, 3]);
    // Second group: the first add overwrites the old sums (no carry-over from the first group).
    acc.add({ a: f32([10, 20]), b: f32([1]) });
    acc.add({ a: f32([30, 40]), b: f32([1]) });
    const second = acc.take();
    expect(Array.from(second.a.data as Float32Array)).toEqual([20, 30]);
    expect(Array.from(second.b.data as Float32Array)).toEqual([1]);
    expect(Array.from(first.a.data as Float32Array)).toEqual([2, 3]);
    // Third group with another set of tensors: a is longer, b is gone, c is new.
    acc.add({ a: f32([1, 1, 1]), c: f32([4]) });
    const third = acc.take();
    expect(Object.keys(third).sort()).toEqual(['a', 'c']);
    expect(Array.from(third.a.data as Float32Array)).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(third.c.data as Float32Array)).toEqual([2]);
  });
});
