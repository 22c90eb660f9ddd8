// RWR: weights (sum to N, proportional to exp(beta r)), sparse masks against numpy percentiles, the
// weighted denoising loss graph against a direct computation (value and gradient), and batch noising.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, Rng, evaluate, grad, tensor } from '@ddpo/tensor';
import { RwrConfigError, percentile, percentileMinCount, prepareNoisedBatch, rwrLossGraph, rwrWeights, sparseRwrWeights } from '@ddpo/rwr';

describe('rwrWeights = softmax(beta * r) * N', () => {
  it('is worked by hand: beta 0.2 turns r = [0, 5 ln 3] into softmax([0, ln 3]) * 2 = [0.5, 1.5]', () => {
    const w = rwrWeights([0, 5 * Math.log(3)]);
    expect(w[0]).toBeCloseTo(0.5, 15);
    expect(w[1]).toBeCloseTo(1.5, 15);
  });

  it('sums to N, with ratios exp(beta (r_i - r_j)); beta multiplies the rewards', () => {
    const r = [-3.2, 0.5, 7.1, 2.2, 2.2, -0.4, 10];
    for (const beta of [0.2, 1, 3.5]) {
      const w = rwrWeights(r, { beta });
      expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(r.length, 12);
      expect(w[2] / w[0] / Math.exp(beta * (7.1 - -3.2))).toBeCloseTo(1, 12);
      expect(w[3]).toBe(w[4]);
    }
    expect(Array.from(rwrWeights(r, { beta: 0 }))).toEqual(r.map(() => 1));
  });

  it('does not overflow on large rewards and rejects non-finite input', () => {
    const w = rwrWeights([1e4, 1e4 - 5], { beta: 1 });
    expect(w[0]).toBeCloseTo(2 / (1 + Math.exp(-5)), 14);
    expect(() => rwrWeights([1, NaN])).toThrow(/reward 1 is NaN/);
    expect(() => rwrWeights([])).toThrow(RwrConfigError);
    expect(() => rwrWeights([1], { beta: Infinity })).toThrow(/beta is Infinity/);
  });
});

describe('rwrWeights on raw rewards and per prompt', () => {
  it('is worked by hand on three samples: exp(0.2 r) = [1, 3, 3] -> 3 * [1, 3, 3] / 7', () => {
    const w = rwrWeights([0, 5 * Math.log(3), 5 * Math.log(3)]);
    expect(w[0]).toBeCloseTo(3 / 7, 14);
    expect(w[1]).toBeCloseTo(9 / 7, 14);
    expect(w[2]).toBeCloseTo(9 / 7, 14);
  });

  it('per prompt: a softmax within each prompt, scaled by its count (jannerm per_prompt_weights)', () => {
    // a: [0, 5 ln 3] -> [0.5, 1.5]; b: two equal rewards -> [1, 1]; c: one sample -> [1] whatever its reward.
    const w = rwrWeights([0, 7, 5 * Math.log(3), 7, -40], { prompts: ['a', 'b', 'a', 'b', 'c'] });
    const want = [0.5, 1, 1.5, 1, 1];
    want.forEach((x, i) => expect(w[i]).toBeCloseTo(x, 14));
    expect(() => rwrWeights([1, 2], { prompts: ['a'] })).toThrow(/got 1 prompts but 2 rewards/);
  });

  it('on the raw JPEG scale (-kB) beta 0.2 barely separates 32x32 samples: r = [-1.0, -1.1] -> 2 / (1 + e^-0.02)', () => {
    const w = rwrWeights([-1.0, -1.1]);
    expect(w[0]).toBeCloseTo(2 / (1 + Math.exp(-0.02)), 14);
    expect(w[0]).toBeCloseTo(1.00999967, 8);
  });
});

describe('percentile (numpy default: linear interpolation)', () => {
  // Expected values: np.percentile(np.array(values), q) with NumPy 2.4.6.
  const cases: [number[], number, number][] = [
    [[3.0, 1.0, 4.0, 1.5], 90, 3.7],
    [[2.0], 90, 2.0],
    [[5.0, -1.0, 0.5, 2.25, 7.0, 3.0, -4.0, 1.0, 0.0, 6.5], 90, 6.55],
    [[1, 2, 3, 4], 50, 2.5],
    [[0.1, 0.7, 0.3], 0, 0.1],
    [[0.1, 0.7, 0.3], 100, 0.7],
    [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1], 37.5, 0.475],
    [[-1.7, 0.3, 2.9, 2.9, 0.31, -0.2, 1.45], 90, 2.9],
  ];
  for (const [values, q, want] of cases) {
    it(`np.percentile(${JSON.stringify(values)}, ${q}) = ${want}`, () => expect(percentile(values, q)).toBe(want));
  }
  it('rejects q outside [0, 100]', () => expect(() => percentile([1], 101)).toThrow(/percentile q is 101/));
});

describe('sparseRwrWeights', () => {
  it("keeps each prompt's samples at or above its q-th percentile", () => {
    const prompts = ['a', 'b', 'a', 'a', 'b', 'a', 'b', 'b'];
    const rewards = [3.0, 5, 1.0, 4.0, -1, 1.5, 7, 6];
    // a: [3, 1, 4, 1.5] -> p90 = 3.7 keeps 4.0 only; b: [5, -1, 7, 6] -> p90 = 6.7 keeps 7 only.
    expect(Array.from(sparseRwrWeights(rewards, { prompts }))).toEqual([0, 0, 0, 1, 0, 0, 1, 0]);
    // p50: a -> 2.25 keeps 3 and 4; b -> 5.5 keeps 7 and 6.
    expect(Array.from(sparseRwrWeights(rewards, { prompts, percentile: 50 }))).toEqual([1, 0, 0, 1, 0, 0, 1, 1]);
  });

  it('matches the percentile rule on random groups; ties at the threshold are kept', () => {
    const rng = new Rng(7);
    const r = Array.from(rng.normal([40], 'float64').data as Float64Array);
    const prompts = r.map((_, i) => `p${i % 3}`);
    const w = sparseRwrWeights(r, { prompts, percentile: 75 });
    for (const p of ['p0', 'p1', 'p2']) {
      const group = r.filter((_, i) => prompts[i] === p);
      const threshold = percentile(group, 75);
      r.forEach((x, i) => {
        if (prompts[i] === p) expect(w[i]).toBe(x >= threshold ? 1 : 0);
      });
    }
    expect(Array.from(sparseRwrWeights([2, 2, 2]))).toEqual([1, 1, 1]);
    expect(() => sparseRwrWeights([1, 2], { prompts: ['a'] })).toThrow(/got 1 prompts but 2 rewards/);
  });
});

describe('sparseRwrWeights with few samples per prompt', () => {
  const rewards = [3, 1, 4, 1.5, 5, 0, 2];
  const prompts = ['a', 'a', 'a', 'a', 'b', 'c', 'c'];
  it('minCount 1 (default): a one-sample prompt keeps its sample; two samples keep the better one', () => {
    // a: p90 of [3, 1, 4, 1.5] = 3.7 keeps 4; b: [5] keeps 5; c: p90 of [0, 2] = 1.8 keeps 2.
    expect(Array.from(sparseRwrWeights(rewards, { prompts }))).toEqual([0, 0, 1, 0, 1, 0, 1]);
  });

  it('prompts below minCount are judged against the percentile of all rewards', () => {
    // minCount 3: a (4 samples) keeps its own top; b and c use p90 of all seven = 4.4
    // (sorted [0, 1, 1.5, 2, 3, 4, 5], h = 5.4 -> 4 + 0.4): b's 5 is kept, c's 0 and 2 are not.
    expect(Array.from(sparseRwrWeights(rewards, { prompts, minCount: 3 }))).toEqual([0, 0, 1, 0, 1, 0, 0]);
    // minCount 5: every prompt falls back -> only 5 (>= 4.4) survives.
    expect(Array.from(sparseRwrWeights(rewards, { prompts, minCount: 5 }))).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(sparseRwrWeights(rewards, { prompts, minCount: Infinity }))).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(() => sparseRwrWeights(rewards, { prompts, minCount: 0 })).toThrow(/minCount is 0/);
  });

  it('keeps ties at the threshold: [2, 2, 1] at q 90 has threshold 2 and keeps both 2s', () => {
    expect(Array.from(sparseRwrWeights([2, 1, 2], { prompts: ['x', 'x', 'x'] }))).toEqual([1, 0, 1]);
  });

  it('percentileMinCount(q) = ceil(100 / (100 - q)): the smallest group whose top (100 - q)% is a whole sample', () => {
    expect([0, 50, 75, 90, 95].map(percentileMinCount)).toEqual([1, 2, 4, 10, 20]);
    expect(percentileMinCount(100)).toBe(Infinity);
    expect(() => percentileMinCount(-1)).toThrow(RwrConfigError);
  });
});

describe('rwrLossGraph', () => {
  const B = 3;
  const shape = [B, 2, 2, 2];
  const rng = new Rng(11);
  const pred = rng.normal(shape, 'float64');
  const noise = rng.normal(shape, 'float64');
  const weights = tensor([0.5, 2, 0.5], [B], 'float64');

  function build() {
    const b = new GraphBuilder();
    const p = b.input('pred', shape, 'float64');
    const loss = rwrLossGraph({ predictedNoise: p, noise: b.input('noise', shape, 'float64'), weights: b.input('w', [B], 'float64') });
    b.output('loss', loss);
    b.output('dPred', grad(loss, [p])[0]);
    return evaluate(b.build(), { pred, noise, w: weights });
  }

  it('equals mean_i w_i * mean_j (pred - noise)^2 computed directly', () => {
    const M = pred.size / B;
    let direct = 0;
    for (let i = 0; i < B; i++) {
      let s = 0;
      for (let j = 0; j < M; j++) s += ((pred.data[i * M + j] as number) - (noise.data[i * M + j] as number)) ** 2;
      direct += (weights.data[i] as number) * (s / M);
    }
    expect(build().loss.data[0]).toBeCloseTo(direct / B, 14);
  });

  it('has gradient 2 w_i (pred - noise) / (B * M) w.r.t. the prediction', () => {
    const M = pred.size / B;
    const d = build().dPred.data as Float64Array;
    for (let k = 0; k < pred.size; k++) {
      const i = Math.floor(k / M);
      expect(d[k]).toBeCloseTo((2 * (weights.data[i] as number) * ((pred.data[k] as number) - (noise.data[k] as number))) / (B * M), 15);
    }
  });

  it('rejects mismatched shapes', () => {
    const b = new GraphBuilder();
    const p = b.input('p', [2, 3]);
    expect(() => rwrLossGraph({ predictedNoise: p, noise: b.input('n', [2, 4]), weights: b.input('w', [2]) })).toThrow(/same shape/);
    expect(() => rwrLossGraph({ predictedNoise: p, noise: b.input('n2', [2, 3]), weights: b.input('w2', [3]) })).toThrow(/weights must be \[B\] = \[2\]/);
  });
});

describe('prepareNoisedBatch', () => {
  const T = 10;
  const alphasCumprod = Float64Array.from({ length: T }, (_, t) => 1 - 0.09 * t);
  const x0 = tensor(Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => (i % 7) - 3), [2, 3, 4]);

  it('forms x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, drawing t then eps from the Rng', () => {
    const { xt, noise, timesteps } = prepareNoisedBatch(x0, { alphasCumprod, rng: new Rng(5) });
    const ref = new Rng(5);
    const t = ref.randint([2], T).data;
    const eps = ref.normal([2, 3, 4], 'float32');
    expect(Array.from(timesteps.data as Float32Array)).toEqual(Array.from(t));
    expect(timesteps.dtype).toBe('float32');
    expect(noise.data).toEqual(eps.data);
    expect(xt.dtype).toBe('float32');
    for (let k = 0; k < x0.size; k++) {
      const a = alphasCumprod[t[Math.floor(k / 12)]];
      expect(xt.data[k]).toBeCloseTo(Math.sqrt(a) * (x0.data[k] as number) + Math.sqrt(1 - a) * (eps.data[k] as number), 5);
    }
  });

  it('draws every timestep in [0, numTrainTimesteps) about equally often', () => {
    const big = tensor(new Float64Array(2000), [2000, 1], 'float64');
    const { timesteps } = prepareNoisedBatch(big, { alphasCumprod, rng: new Rng(1), numTrainTimesteps: 5, timestepDtype: 'int32' });
    const counts = new Array(5).fill(0);
    for (const v of timesteps.data as Int32Array) counts[v]++;
    // 400 expected per value; 5 sigma of a binomial(2000, 0.2) is about 90.
    for (const c of counts) expect(Math.abs(c - 400)).toBeLessThan(90);
  });

  it('rejects bad schedules and options', () => {
    expect(() => prepareNoisedBatch(x0, { alphasCumprod, rng: new Rng(0), numTrainTimesteps: 11 })).toThrow(/numTrainTimesteps is 11/);
    expect(() => prepareNoisedBatch(x0, { alphasCumprod: Float64Array.from([1, 0]), rng: new Rng(0) })).toThrow(/alphasCumprod\[1\] is 0/);
    expect(() => prepareNoisedBatch(tensor(new Int32Array(2), [2]), { alphasCumprod, rng: new Rng(0) })).toThrow(/dtype int32/);
  });
});
