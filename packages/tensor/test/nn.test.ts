// The nn composites: values against direct computations written here (GroupNorm as PyTorch
// defines it, softmax rows summing to 1, the Gaussian log-density formula), stability at extreme
// inputs, and a finite-difference gradient check of every composite in float64.
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  clip,
  conv2dBias,
  evaluate,
  gaussianLogProb,
  grad,
  groupNorm,
  linear,
  logSumExp,
  sigmoid,
  silu,
  softmax,
  square,
  sum,
  tensor,
  upsampleNearest2x,
  type HostTensor,
  type Sym,
} from '@ddpo/tensor';
import { assertAllClose, gradCheck, randomTensor } from '@ddpo/tensor/testing';
import { runGraph } from './helpers.js';

/** GroupNorm by its definition (PyTorch: biased variance over each group's channels and pixels). */
function directGroupNorm(x: HostTensor, gamma: number[], beta: number[], groups: number, eps: number): number[] {
  const [N, C] = x.shape;
  const hw = x.size / (N * C);
  const per = (C / groups) * hw;
  const xd = x.toArray();
  const out = new Array<number>(x.size);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const start = (n * C + g * (C / groups)) * hw;
      const vals = xd.slice(start, start + per);
      const mu = vals.reduce((a, v) => a + v, 0) / per;
      const variance = vals.reduce((a, v) => a + (v - mu) ** 2, 0) / per;
      for (let k = 0; k < per; k++) {
        const c = g * (C / groups) + Math.floor(k / hw);
        out[start + k] = ((vals[k] - mu) / Math.sqrt(variance + eps)) * gamma[c] + beta[c];
      }
    }
  }
  return out;
}

describe('activations', () => {
  it('sigmoid and silu match 1 / (1 + exp(-x)), finite at +-1000 with finite gradients', () => {
    const xs = [-1000, -30, -2, 0, 0.5, 3, 1000];
    const x = tensor(xs, [7], 'float64');
    const sig = xs.map((v) => 1 / (1 + Math.exp(-v)));
    assertAllClose(runGraph({ x }, (s) => sigmoid(s.x)), sig, { rtol: 1e-15, atol: 1e-300 });
    assertAllClose(runGraph({ x }, (s) => silu(s.x)), xs.map((v, k) => v * sig[k]), { rtol: 1e-15, atol: 1e-300 });
    const b = new GraphBuilder();
    const xi = b.input('x', [7], 'float64');
    b.output('g', grad(sum(silu(xi)), [xi])[0]);
    const g = evaluate(b.build(), { x }).g.toArray();
    // d silu / dx = s (1 + x (1 - s)), s = sigmoid(x).
    assertAllClose(g, xs.map((v, k) => sig[k] * (1 + v * (1 - sig[k]))), { rtol: 1e-12, atol: 1e-300 });
  });

  it('clip and square', () => {
    const x = tensor([-3, -0.5, 0.2, 4], [4], 'float64');
    assertAllClose(runGraph({ x }, (s) => clip(s.x, -1, 1)), [-1, -0.5, 0.2, 1]);
    assertAllClose(runGraph({ x }, (s) => square(s.x)), [9, 0.25, 0.04000000000000001, 16]);
  });
});

describe('softmax and logSumExp', () => {
  it('softmax rows sum to 1 and equal exp(x) / sum exp(x), even for logits near 1000', () => {
    const x = tensor([1, 2, 3, 1000, 1001, 1002, -5, 0, 5], [3, 3], 'float64');
    const y = runGraph({ x }, (s) => softmax(s.x, -1));
    const row = [1, 2, 3].map((v) => Math.exp(v) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
    assertAllClose(y.toArray().slice(0, 6), [...row, ...row]);
    for (let r = 0; r < 3; r++) expect(y.toArray().slice(3 * r, 3 * r + 3).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 14);
    const cols = runGraph({ x: randomTensor([3, 4], 2) }, (s) => softmax(s.x, 0)).toArray();
    for (let c = 0; c < 4; c++) expect(cols[c] + cols[4 + c] + cols[8 + c]).toBeCloseTo(1, 14);
  });

  it('logSumExp matches log(sum(exp)) and stays finite for large inputs', () => {
    const x = tensor([0, 1, 2, 1000, 1000, 1000], [2, 3], 'float64');
    const want = [Math.log(1 + Math.E + Math.E ** 2), 1000 + Math.log(3)];
    assertAllClose(runGraph({ x }, (s) => logSumExp(s.x, 1)), want, { shape: [2] });
    assertAllClose(runGraph({ x }, (s) => logSumExp(s.x, -1, true)), want, { shape: [2, 1] });
    expect(runGraph({ x }, (s) => logSumExp(s.x)).shape).toEqual([]);
  });
});

describe('groupNorm', () => {
  it.each([
    [[2, 6, 3, 3], 3],
    [[1, 4, 5], 2],
    [[2, 4, 2, 2], 4],
  ])('matches a direct computation, x %j, %i groups', (shape, groups) => {
    const x = randomTensor(shape, 3, -2, 3);
    const C = shape[1];
    const gamma = randomTensor([C], 4);
    const beta = randomTensor([C], 5);
    const y = runGraph({ x, gamma, beta }, (s) => groupNorm(s.x, s.gamma, s.beta, groups));
    assertAllClose(y, directGroupNorm(x, gamma.toArray(), beta.toArray(), groups, 1e-5), { rtol: 1e-12, atol: 1e-12 });
  });

  it('rejects channels not divisible by groups', () => {
    const b = new GraphBuilder();
    expect(() => groupNorm(b.input('x', [1, 6, 2, 2]), b.input('g', [6]), b.input('b', [6]), 4)).toThrow(/divisible/);
  });
});

describe('layers', () => {
  it('upsampleNearest2x repeats each pixel into a 2x2 block', () => {
    const y = runGraph({ x: tensor([1, 2, 3, 4], [1, 1, 2, 2]) }, (s) => upsampleNearest2x(s.x));
    assertAllClose(y, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], { shape: [1, 1, 4, 4] });
  });

  it('linear uses the PyTorch layout x @ w^T + b', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = tensor([1, 0, -1, 2, 1, 0], [2, 3]);
    const bias = tensor([10, 20], [2]);
    assertAllClose(runGraph({ x, w, bias }, (s) => linear(s.x, s.w, s.bias)), [8, 24, 8, 33], { shape: [2, 2] });
    assertAllClose(runGraph({ x: tensor([1, 2, 3]), w }, (s) => linear(s.x, s.w)), [-2, 4], { shape: [2] });
  });

  it('conv2dBias adds one bias per output channel', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const w = tensor([1, -1], [2, 1, 1, 1]);
    const y = runGraph({ x, w, b: tensor([10, 100], [2]) }, (s) => conv2dBias(s.x, s.w, s.b));
    assertAllClose(y, [11, 12, 13, 14, 99, 98, 97, 96], { shape: [1, 2, 2, 2] });
  });

  it('gaussianLogProb is -(x-mean)^2/(2 std^2) - log(std) - log(sqrt(2 pi))', () => {
    const xs = [0.3, -1.2, 2];
    const mus = [0, 0.5, 2.5];
    const sds = [1, 0.1, 3];
    const want = xs.map((v, k) => -((v - mus[k]) ** 2) / (2 * sds[k] ** 2) - Math.log(sds[k]) - Math.log(Math.sqrt(2 * Math.PI)));
    const feeds = { x: tensor(xs, [3], 'float64'), m: tensor(mus, [3], 'float64'), s: tensor(sds, [3], 'float64') };
    assertAllClose(runGraph(feeds, (s) => gaussianLogProb(s.x, s.m, s.s)), want);
    const withNumberStd = runGraph({ x: feeds.x }, (s) => gaussianLogProb(s.x, 0.5, 0.1));
    assertAllClose(withNumberStd, xs.map((v) => -((v - 0.5) ** 2) / 0.02 - Math.log(0.1) - 0.5 * Math.log(2 * Math.PI)));
  });
});

describe('gradients of every composite', () => {
  const r = (shape: number[], seed: number, lo = -1, hi = 1) => randomTensor(shape, seed, lo, hi);
  it.each([
    ['sigmoid', () => gradCheck(({ x }) => sigmoid(x), { x: r([3, 4], 1, -4, 4) })],
    ['silu', () => gradCheck(({ x }) => silu(x), { x: r([3, 4], 2, -4, 4) })],
    ['softmax', () => gradCheck(({ x }) => softmax(x, 1), { x: r([3, 5], 3, -3, 3) })],
    ['logSumExp', () => gradCheck(({ x }) => logSumExp(x, [0, 2]), { x: r([2, 3, 4], 4, -3, 3) })],
    ['groupNorm', () => gradCheck(({ x, g, b }) => groupNorm(x, g, b, 2), { x: r([2, 4, 3, 3], 5), g: r([4], 6), b: r([4], 7) })],
    ['upsampleNearest2x', () => gradCheck(({ x }) => upsampleNearest2x(x), { x: r([1, 2, 3, 2], 8) })],
    ['clip', () => gradCheck(({ x }) => clip(x, -0.5, 0.5), { x: tensor([-0.9, -0.3, 0.1, 0.45, 0.8, 0.7], [6], 'float64') })],
    ['square', () => gradCheck(({ x }) => square(x), { x: r([5], 9) })],
    ['gaussianLogProb', () => gradCheck(({ x, m, s }) => gaussianLogProb(x, m, s), { x: r([4], 10), m: r([4], 11), s: r([4], 12, 0.5, 2) })],
    ['gaussianLogProb (number std)', () => gradCheck(({ x, m }) => gaussianLogProb(x, m, 0.7), { x: r([4], 13), m: r([1], 14) })],
    ['linear', () => gradCheck(({ x, w, b }) => linear(x, w, b), { x: r([2, 3, 4], 15), w: r([5, 4], 16), b: r([5], 17) })],
    ['linear (rank-1 x, no bias)', () => gradCheck(({ x, w }) => linear(x, w), { x: r([4], 18), w: r([3, 4], 19) })],
    ['conv2dBias', () => gradCheck(({ x, w, b }) => conv2dBias(x, w, b, { stride: 2, padding: 1 }), { x: r([2, 2, 5, 5], 20), w: r([3, 2, 3, 3], 21), b: r([3], 22) })],
  ] as [string, () => void][])('%s', (_name, check) => check());
});
