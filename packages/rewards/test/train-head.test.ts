// Reward-head training by ridge regression: metrics against hand-worked and scipy-documented values,
// exact recovery of a noiseless linear rule, the ridge optimality condition in the primal (N > D) and
// dual (N < D) solvers, the seeded split, and the input checks.
import { HostTensor, Rng } from '@ddpo/tensor';
import { describe, expect, it } from 'vitest';
import { applyHead, averageRanks, meanSquaredError, pearson, RewardDataError, spearman, trainRewardHead } from '@ddpo/rewards';

describe('metrics', () => {
  it('pearson, spearman (average ranks for ties) and MSE', () => {
    // hand-worked: a = [1, 2, 3], b = [2, 4, 7]: sum(da * db) = 5, sum(da^2) = 2, sum(db^2) = 114 / 9
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(5 / Math.sqrt((2 * 114) / 9), 14);
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) documents 0.82078268166812329
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 14);
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(meanSquaredError([1, 2], [1, 4])).toBe(2);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => pearson([1, 2], [1])).toThrow(RewardDataError);
  });
});

/** Rows of N x D standard normals and ratings y = x . w + b (+ noise * N(0, 1)). */
function synthetic(n: number, d: number, noise: number, seed: number) {
  const rng = new Rng(seed);
  const x = rng.normal([n, d], 'float64');
  const w = Float64Array.from({ length: d }, (_, j) => ((j % 5) - 2) * 0.5 + 0.1);
  const eps = rng.normal([n], 'float64').data;
  const y = Float64Array.from({ length: n }, (_, i) => {
    let s = 0.75;
    for (let j = 0; j < d; j++) s += x.data[i * d + j] * w[j];
    return s + noise * eps[i];
  });
  return { x, y, w };
}

/** max_j |(Xc^T (Xc w - yc) + lambda w)_j|: zero at the ridge solution (the gradient of the objective / 2). */
function ridgeGradient(x: HostTensor, y: Float64Array, w: ArrayLike<number>, lambda: number): number {
  const [n, d] = x.shape;
  const xs = x.data as Float64Array;
  const mx = Array.from({ length: d }, (_, j) => xs.filter((_, k) => k % d === j).reduce((s, v) => s + v, 0) / n);
  const my = y.reduce((s, v) => s + v, 0) / n;
  const g = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let r = -(y[i] - my);
    for (let j = 0; j < d; j++) r += (xs[i * d + j] - mx[j]) * w[j];
    for (let j = 0; j < d; j++) g[j] += (xs[i * d + j] - mx[j]) * r;
  }
  return Math.max(...g.map((v, j) => Math.abs(v + lambda * w[j])));
}

describe('trainRewardHead (ridge)', () => {
  it('solves a one-feature case by hand: w = Sxy / (Sxx + lambda), b = mean(y) - mean(x) w', () => {
    // x = [1, 2, 3, 4], y = [2, 4, 5, 9]: Sxy = 11, Sxx = 5, lambda = 1 -> w = 11 / 6, b = 5 - 2.5 * 11 / 6
    const res = trainRewardHead({ features: [[1], [2], [3], [4]], ratings: [2, 4, 5, 9], lambda: 1, validationFraction: 0 });
    const [layer] = res.head.layers;
    expect(layer.weight.data[0]).toBeCloseTo(11 / 6, 13);
    expect(layer.bias!.data[0]).toBeCloseTo(5 - (2.5 * 11) / 6, 13);
    expect(res.validation).toBeNull();
    expect(res.train.count).toBe(4);
  });

  it('recovers a noiseless linear rule exactly with lambda = 0', () => {
    const { x, y, w } = synthetic(60, 8, 0, 1);
    const res = trainRewardHead({ features: x, ratings: y, lambda: 0, validationFraction: 0.25, seed: 3 });
    const [layer] = res.head.layers;
    Array.from(w).forEach((v, j) => expect(layer.weight.data[j]).toBeCloseTo(v, 10));
    expect(layer.bias!.data[0]).toBeCloseTo(0.75, 10);
    expect(res.validation!.pearson).toBeCloseTo(1, 12);
    expect(res.validation!.spearman).toBe(1);
    expect(res.validation!.mse).toBeLessThan(1e-18);
  });

  it('meets the ridge optimality condition in the primal (N > D) and the dual (N < D) solvers', () => {
    for (const [n, d] of [
      [80, 12],
      [10, 40],
    ]) {
      const { x, y } = synthetic(n, d, 0.3, n + d);
      const res = trainRewardHead({ features: x, ratings: y, lambda: 0.7, validationFraction: 0 });
      const w = res.head.layers[0].weight.data as Float64Array;
      expect(ridgeGradient(x, y, w, 0.7), `N=${n} D=${d}`).toBeLessThan(1e-9);
      // the intercept is not penalised: mean prediction = mean rating
      const pred = applyHead(res.head, x);
      expect(pred.reduce((s, v) => s + v, 0) / n).toBeCloseTo(y.reduce((s, v) => s + v, 0) / n, 10);
    }
  });

  it('reports train/validation metrics of its own predictions, on a seeded split', () => {
    const { x, y } = synthetic(200, 16, 0.5, 9);
    const res = trainRewardHead({ features: x, ratings: y, method: 'ridge', lambda: 1e-2, validationFraction: 0.2, seed: 42 });
    expect(res.split.validation.length).toBe(40);
    expect([...res.split.train, ...res.split.validation].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const again = trainRewardHead({ features: x, ratings: y, lambda: 1e-2, validationFraction: 0.2, seed: 42 });
    expect(again.split).toEqual(res.split);
    expect(trainRewardHead({ features: x, ratings: y, validationFraction: 0.2, seed: 43 }).split.validation).not.toEqual(res.split.validation);
    const rows = res.split.validation;
    const xv = new HostTensor('float64', [rows.length, 16], Float64Array.from(rows.flatMap((r) => Array.from(x.data.subarray(r * 16, (r + 1) * 16)))));
    const pv = applyHead(res.head, xv);
    const yv = rows.map((r) => y[r]);
    expect(res.validation!.pearson).toBeCloseTo(pearson(pv, yv), 12);
    expect(res.validation!.spearman).toBeCloseTo(spearman(pv, yv), 12);
    expect(res.validation!.mse).toBeCloseTo(meanSquaredError(pv, yv), 12);
    // signal variance sum(w^2) = 4.41 vs noise 0.25: a good fit
    expect(res.validation!.pearson).toBeGreaterThan(0.95);
  });

  it('rejects mismatched, non-finite or degenerate inputs with RewardDataError', () => {
    const f = [
      [1, 2],
      [2, 4],
      [3, 6],
    ];
    expect(() => trainRewardHead({ features: f, ratings: [1, 2] })).toThrow(/2 ratings for 3 feature rows/);
    expect(() => trainRewardHead({ features: f, ratings: [1, NaN, 2] })).toThrow(/rating 1 is NaN/);
    expect(() => trainRewardHead({ features: f, ratings: [1, 2, 3], lambda: -1 })).toThrow(/lambda -1/);
    expect(() => trainRewardHead({ features: f, ratings: [1, 2, 3], validationFraction: 1 })).toThrow(/validationFraction 1/);
    expect(() => trainRewardHead({ features: f, ratings: [1, 2, 3], validationFraction: 0.5 })).toThrow(/1 training rows/);
    expect(() => trainRewardHead({ features: [[1, 2], [3]], ratings: [1, 2] })).toThrow(/row 1 has 1 values/);
    // the second column is twice the first: singular without a penalty
    expect(() => trainRewardHead({ features: f, ratings: [1, 2, 3], lambda: 0, validationFraction: 0 })).toThrow(/singular/);
  });
});
