// matmul, conv2d and gather: forward values (hand-worked and against an independent direct loop
// written here), shape and dtype errors, and gradients checked by finite differences in float64.
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  GatherIndexError,
  GraphBuilder,
  ShapeError,
  conv2d,
  convTranspose2d,
  evaluate,
  gather,
  matmul,
  mul,
  sum,
  tensor,
  valueAndGrad,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type HostTensor,
  type Sym,
} from '@ddpo/tensor';
import { assertAllClose, gradCheck, randomTensor } from '@ddpo/tensor/testing';
import { runGraph } from './helpers.js';

/** Direct 7-loop convolution (the definition, ONNX Conv), independent of the im2col kernel. */
function directConv(x: HostTensor, w: HostTensor, s: number[], p: number[], d: number[]): number[] {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = w.shape;
  const Ho = Math.floor((H + p[0] + p[2] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const Wo = Math.floor((W + p[1] + p[3] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const xd = x.toArray();
  const wd = w.toArray();
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let a = 0; a < Ho; a++) for (let c2 = 0; c2 < Wo; c2++) {
    let acc = 0;
    for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const h = a * s[0] - p[0] + i * d[0];
      const ww = c2 * s[1] - p[1] + j * d[1];
      if (h >= 0 && h < H && ww >= 0 && ww < W) acc += xd[((n * C + c) * H + h) * W + ww] * wd[((o * C + c) * kh + i) * kw + j];
    }
    out.push(acc);
  }
  return out;
}

describe('matmul', () => {
  it('multiplies a hand-worked 2x2 case', () => {
    const y = runGraph({ a: tensor([1, 2, 3, 4], [2, 2]), b: tensor([5, 6, 7, 8], [2, 2]) }, ({ a, b }) => matmul(a, b));
    assertAllClose(y, [19, 22, 43, 50], { shape: [2, 2] });
  });

  it('broadcasts batch dimensions (ONNX MatMul)', () => {
    const a = randomTensor([2, 1, 3, 4], 1);
    const b = randomTensor([3, 4, 5], 2);
    const y = runGraph({ a, b }, (s) => matmul(s.a, s.b));
    expect([...y.shape]).toEqual([2, 3, 3, 5]);
    // Element [1, 2, 0, 4] = sum_k a[1, 0, 0, k] * b[2, k, 4].
    let want = 0;
    for (let k = 0; k < 4; k++) want += (a.get(1, 0, 0, k) as number) * (b.get(2, k, 4) as number);
    assertAllClose([y.get(1, 2, 0, 4) as number], [want]);
  });

  it('rounds float32 outputs of a float64 accumulation', () => {
    const y = runGraph({ a: tensor([0.1, 0.2, 0.3], [1, 3]), b: tensor([0.4, 0.5, 0.6], [3, 1]) }, (s) => matmul(s.a, s.b));
    const f = Math.fround;
    expect(y.dtype).toBe('float32');
    expect(y.data[0]).toBe(f(f(0.1) * f(0.4) + f(0.2) * f(0.5) + f(0.3) * f(0.6)));
  });

  it('rejects mismatched inner dims, rank-1 operands, unbroadcastable batches and mixed dtypes', () => {
    const b = new GraphBuilder();
    expect(() => matmul(b.input('a', [2, 3]), b.input('b', [4, 2]))).toThrow(ShapeError);
    expect(() => matmul(b.input('c', [3]), b.input('d', [3, 2]))).toThrow(/rank >= 2/);
    expect(() => matmul(b.input('e', [2, 2, 3]), b.input('f', [3, 3, 2]))).toThrow(ShapeError);
    expect(() => matmul(b.input('g', [2, 3]), b.input('h', [3, 2], 'float64'))).toThrow(DTypeError);
  });

  it.each([
    [[3, 4], [4, 2]],
    [[2, 1, 3, 4], [3, 4, 5]],
    [[3, 4], [2, 4, 5]],
    [[2, 3, 1, 2], [1, 2, 3]],
  ])('gradient, a %j @ b %j', (sa, sb) => {
    gradCheck(({ a, b }) => matmul(a, b), { a: randomTensor(sa, 3), b: randomTensor(sb, 4) });
  });
});

describe('conv2d', () => {
  const x33 = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w22 = tensor([1, 2, 3, 4], [1, 1, 2, 2]);

  it.each([
    // Worked by hand on x = 1..9 (3x3), w = [[1, 2], [3, 4]].
    [{}, [1, 1, 2, 2], [37, 47, 67, 77]],
    [{ stride: 2, padding: 1 }, [1, 1, 2, 2], [4, 18, 36, 77]],
    [{ dilation: 2 }, [1, 1, 1, 1], [64]],
  ] as [Conv2dOptions, number[], number[]][])('hand-worked case %j', (opts, shape, want) => {
    assertAllClose(runGraph({ x: x33, w: w22 }, (s) => conv2d(s.x, s.w, opts)), want, { shape });
  });

  it.each([
    [[2, 3, 7, 6], [4, 3, 3, 2], { stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2] }],
    [[1, 2, 5, 5], [3, 2, 1, 1], {}],
    [[2, 2, 9, 8], [2, 2, 3, 3], { stride: [3, 2], padding: 2, dilation: [2, 1] }],
  ] as [number[], number[], Conv2dOptions][])('matches a direct loop: x %j w %j %j', (xs, ws, opts) => {
    const x = randomTensor(xs, 5);
    const w = randomTensor(ws, 6);
    const p = opts.padding === undefined ? [0, 0, 0, 0] : typeof opts.padding === 'number' ? Array(4).fill(opts.padding) : [...opts.padding];
    const pair = (v: Conv2dOptions['stride']) => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [...v]);
    assertAllClose(runGraph({ x, w }, (s) => conv2d(s.x, s.w, opts)), directConv(x, w, pair(opts.stride), p, pair(opts.dilation)));
  });

  it('rejects channel mismatch, kernels larger than the input and bad parameters', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 4, 4]);
    expect(() => conv2d(x, b.input('w', [2, 4, 3, 3]))).toThrow(/channels/);
    expect(() => conv2d(x, b.input('w2', [2, 3, 5, 5]))).toThrow(ShapeError);
    expect(() => conv2d(x, b.input('w3', [2, 3, 3, 3]), { stride: 0 })).toThrow(/strides/);
  });

  // (x shape, w shape, options): stride 1 and 2, padding 0/1, dilation, 1x1 and 3x3, odd sizes,
  // (H + 2p - dil*(k-1) - 1) % stride != 0, padding wider than the kernel reach, asymmetric pads.
  it.each([
    [[2, 3, 5, 5], [4, 3, 3, 3], { padding: 1 }],
    [[2, 3, 5, 5], [4, 3, 3, 3], {}],
    [[1, 2, 7, 7], [3, 2, 3, 3], { stride: 2, padding: 1 }],
    [[1, 2, 6, 7], [3, 2, 3, 3], { stride: 2, padding: 1 }],
    [[1, 2, 7, 6], [2, 2, 3, 3], { stride: 2 }],
    [[2, 3, 5, 4], [2, 3, 1, 1], {}],
    [[1, 3, 5, 6], [2, 3, 1, 1], { padding: 1 }],
    [[1, 2, 5, 5], [2, 2, 1, 1], { stride: 2, padding: 2 }],
    [[1, 2, 9, 8], [2, 2, 3, 3], { padding: 2, dilation: 2 }],
    [[1, 2, 9, 9], [2, 2, 3, 3], { stride: 2, padding: 1, dilation: 2 }],
    [[1, 2, 8, 7], [3, 2, 2, 2], { stride: 3, padding: 1 }],
    [[1, 2, 6, 5], [3, 2, 3, 2], { stride: [2, 1], padding: [0, 1, 2, 3], dilation: [1, 2] }],
    // Fewer output than input channels: the weight gradient gathers the cotangent (see convWeightGradGather).
    [[1, 3, 8, 7], [2, 3, 2, 2], { stride: 3, padding: 1 }],
    [[1, 3, 6, 5], [2, 3, 3, 2], { stride: [2, 1], padding: [0, 1, 2, 3], dilation: [1, 2] }],
    [[2, 4, 5, 5], [1, 4, 3, 3], { padding: 1 }],
  ] as [number[], number[], Conv2dOptions][])('gradient, x %j w %j %j', (xs, ws, opts) => {
    gradCheck(({ x, w }) => conv2d(x, w, opts), { x: randomTensor(xs, 7), w: randomTensor(ws, 8) });
  });
});

/** Direct loop for the weight gradient: gw[o, c, i, j] = sum_{n, a, b} u[n, o, a, b] x[n, c, a - pt + i dh, b - pl + j dw] (stride 1). */
function directWeightGrad(x: HostTensor, u: HostTensor, wShape: number[], p: number[], d: number[]): number[] {
  const [N, C, H, W] = x.shape;
  const [, O, Ho, Wo] = u.shape;
  const [, , kh, kw] = wShape;
  const xd = x.toArray();
  const ud = u.toArray();
  const out: number[] = [];
  for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
    let acc = 0;
    for (let n = 0; n < N; n++) for (let a = 0; a < Ho; a++) for (let b = 0; b < Wo; b++) {
      const h = a - p[0] + i * d[0];
      const ww = b - p[1] + j * d[1];
      if (h >= 0 && h < H && ww >= 0 && ww < W) acc += ud[((n * O + o) * Ho + a) * Wo + b] * xd[((n * C + c) * H + h) * W + ww];
    }
    out.push(acc);
  }
  return out;
}

describe('conv2d weight gradient on large maps (>= 1024 output pixels; gather form, and the row-window form for 1x1)', () => {
  // Finite differences over thousands of inputs would be slow: the gradient is checked against the definition.
  it.each([
    [[2, 3, 32, 33], [4, 3, 3, 3], [1, 1, 1, 1], [1, 1]],
    [[1, 2, 40, 40], [2, 2, 3, 3], [0, 0, 0, 0], [2, 2]],
    [[1, 2, 33, 32], [3, 2, 2, 3], [1, 0, 0, 2], [1, 1]],
    [[2, 3, 32, 32], [2, 3, 1, 1], [0, 0, 0, 0], [1, 1]],
    [[1, 2, 32, 32], [2, 2, 3, 1], [1, 0, 1, 0], [1, 1]],
    [[1, 4, 32, 32], [2, 4, 3, 3], [1, 1, 1, 1], [1, 1]],
  ])('x %j w %j pads %j dilations %j', (xs, ws, pads, dil) => {
    const x = randomTensor(xs, 3);
    const w = randomTensor(ws, 4);
    const opts: Conv2dOptions = { padding: pads as [number, number, number, number], dilation: dil as [number, number] };
    const y = runGraph({ x, w }, (s) => conv2d(s.x, s.w, opts));
    expect(y.shape[2] * y.shape[3]).toBeGreaterThanOrEqual(1024);
    const u = randomTensor(y.shape, 5);
    const g = valueAndGrad(({ x: xx, w: ww, u: uu }) => sum(mul(conv2d(xx, ww, opts), uu)), { x: { shape: xs, dtype: 'float64' }, w: { shape: ws, dtype: 'float64' }, u: { shape: [...y.shape], dtype: 'float64' } }, ['w']);
    assertAllClose(evaluate(g, { x, w, u })['grad:w'], directWeightGrad(x, u, ws, pads, dil), { shape: ws });
  });
});

describe('convTranspose2d', () => {
  const f32 = (t: HostTensor) => tensor(Float32Array.from(t.data as Float64Array), t.shape);
  // Each case: g [N, O, Ho, Wo], w [O, C, kh, kw], options; x's shape follows from them.
  it.each([
    [[2, 3, 3, 3], [3, 2, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    [[1, 2, 4, 3], [2, 3, 2, 3], { stride: [3, 2], padding: [1, 0, 0, 2], dilation: 2, outputPadding: [2, 1] }],
    [[1, 2, 5, 5], [2, 2, 3, 3], { padding: 1 }],
    [[1, 1, 2, 2], [1, 1, 3, 3], { stride: 2 }],
  ] as [number[], number[], ConvTranspose2dOptions][])('is the input gradient of conv2d (float64 phase / dilation forms), g %j w %j %j', (gs, ws, opts) => {
    const g = randomTensor(gs, 11);
    const w = randomTensor(ws, 12);
    const y = runGraph({ g: f32(g), w: f32(w) }, (s) => convTranspose2d(s.g, s.w, opts));
    // The same x gradient through conv2d's own float64 VJP (which does not use convTranspose2d).
    const { outputPadding: _op, ...convOpts } = opts;
    const x = randomTensor(y.shape, 13);
    const grads = valueAndGrad(({ x: xx, w: ww, g: gg }) => sum(mul(conv2d(xx, ww, convOpts), gg)), { x: { shape: [...y.shape], dtype: 'float64' }, w: { shape: ws, dtype: 'float64' }, g: { shape: gs, dtype: 'float64' } }, ['x']);
    const want = evaluate(grads, { x, w, g })['grad:x'];
    expect(y.dtype).toBe('float32');
    assertAllClose(y, [...(want.data as Float64Array)], { shape: [...want.shape], rtol: 1e-5, atol: 1e-6 });
  });

  it('refuses float64, mismatched channels and an output padding as large as the stride, naming them', () => {
    const b = new GraphBuilder();
    const g = b.input('g', [1, 2, 3, 3]);
    const w = b.input('w', [2, 3, 3, 3]);
    expect(() => convTranspose2d(b.input('g64', [1, 2, 3, 3], 'float64'), b.input('w64', [2, 3, 3, 3], 'float64'))).toThrow(DTypeError);
    expect(() => convTranspose2d(g, b.input('w3', [3, 3, 3, 3]))).toThrow(/g has 2 channels but w has 3 output channels/);
    expect(() => convTranspose2d(g, w, { stride: 2, outputPadding: 2 })).toThrow(/outputPadding \[2,2\]/);
    expect(() => convTranspose2d(g, w, { padding: 3 })).toThrow(ShapeError);
    expect(convTranspose2d(g, w, { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([1, 3, 6, 6]);
  });
});

describe('gather', () => {
  const table = tensor([0, 1, 10, 11, 20, 21, 30, 31], [4, 2]);

  it('looks up rows, negative indices counting from the end (ONNX Gather)', () => {
    const y = runGraph({ t: table, i: tensor([3n, 0n, -1n, 1n], [2, 2], 'int64') }, (s) => gather(s.t, s.i));
    assertAllClose(y, [30, 31, 0, 1, 30, 31, 10, 11], { shape: [2, 2, 2] });
    const z = runGraph({ t: table, i: tensor([2], [], 'int32') }, (s) => gather(s.t, s.i));
    assertAllClose(z, [20, 21], { shape: [2] });
  });

  it('throws a GatherIndexError naming an out-of-range index', () => {
    const b = new GraphBuilder();
    b.output('y', gather(b.input('t', [4, 2]), b.input('i', [3], 'int32')));
    const g = b.build();
    expect(() => evaluate(g, { t: table, i: tensor([0, 4, 1], [3], 'int32') })).toThrow(GatherIndexError);
    expect(() => evaluate(g, { t: table, i: tensor([0, -5, 1], [3], 'int32') })).toThrow(/index -5 at position 1/);
  });

  it('rejects float indices', () => {
    const b = new GraphBuilder();
    expect(() => gather(b.input('t', [4, 2]), b.input('i', [3]))).toThrow(DTypeError);
  });

  it('accumulates the gradient of repeated rows and leaves unused rows at zero', () => {
    const graph = valueAndGrad(({ t, i }) => sum(gather(t, i)), { t: { shape: [3], dtype: 'float64' }, i: { shape: [4], dtype: 'int32' } }, ['t']);
    const out = evaluate(graph, { t: tensor(new Float64Array(3)), i: tensor([0, 0, 2, -3], [4], 'int32') });
    assertAllClose(out['grad:t'], [3, 0, 1]);
  });

  it.each([
    [[5, 3], tensor([0n, 4n, -1n, 2n, 0n, 3n], [2, 3], 'int64')],
    [[5], tensor([1, 1, 3], [3], 'int32')],
    [[4, 2, 2], tensor([3], [], 'int32')],
  ])('gradient, table %j', (shape, i) => {
    gradCheck(({ t, i: idx }) => gather(t, idx), { t: randomTensor(shape, 9), i });
  });
});
