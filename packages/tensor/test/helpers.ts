// Shared test helpers: the one tolerance table (keyed by dtype), the one closeness assertion
// `expectAllClose`, a tiny seeded generator for test data, and `gradCheck`, which compares a
// graph's reverse-mode gradient with central finite differences in float64 on the reference
// interpreter. Other test files (linalg, nn) reuse gradCheck for their own cases.
import { expect } from 'vitest';
import {
  GraphBuilder,
  HostTensor,
  evaluate,
  grad,
  isFloat,
  mul,
  sum,
  type DType,
  type Sym,
  type TensorMap,
} from '@ddpo/tensor';

/** Builds a graph from named inputs, runs it on the reference interpreter, returns output `y`. */
export function runGraph(feeds: Record<string, HostTensor>, f: (s: Record<string, Sym>) => Sym): HostTensor {
  const b = new GraphBuilder();
  const syms: Record<string, Sym> = {};
  for (const [name, t] of Object.entries(feeds)) syms[name] = b.input(name, t.shape, t.dtype);
  b.output('y', f(syms));
  return evaluate(b.build(), feeds).y;
}

/** Closeness bounds: |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/**
 * Default tolerances per dtype. float64 leaves room for a few ulps of reassociation; float32 for
 * a few float32 ulps (2^-23 ~ 1.2e-7). Integers and bools must match exactly.
 */
export const TOLERANCE: Record<DType, Tolerance> = {
  float64: { rtol: 1e-12, atol: 1e-14 },
  float32: { rtol: 1e-6, atol: 1e-7 },
  int32: { rtol: 0, atol: 0 },
  int64: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

/**
 * Asserts elementwise closeness; NaN matches NaN and infinities must match in sign. With a
 * HostTensor as `actual`, `expected` may be numbers and the shape is checked too when given.
 */
export function expectAllClose(
  actual: HostTensor | ArrayLike<number | bigint>,
  expected: ArrayLike<number | bigint> | HostTensor,
  tol?: Partial<Tolerance> & { shape?: readonly number[] },
): void {
  const dtype: DType = actual instanceof HostTensor ? actual.dtype : 'float64';
  const { rtol, atol } = { ...TOLERANCE[dtype], ...tol };
  if (tol?.shape && actual instanceof HostTensor) expect([...actual.shape]).toEqual([...tol.shape]);
  const a = Array.from(actual instanceof HostTensor ? (actual.data as ArrayLike<number | bigint>) : actual, Number);
  const e = Array.from(expected instanceof HostTensor ? (expected.data as ArrayLike<number | bigint>) : expected, Number);
  expect(a.length, 'element count').toBe(e.length);
  const bad: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : !Number.isFinite(e[i]) ? a[i] === e[i] : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${a[i]}, expected ${e[i]}`);
  }
  expect(bad, `not close (rtol ${rtol}, atol ${atol})`).toEqual([]);
}

/**
 * A seeded generator of test data (mulberry32): deterministic across runs and platforms.
 *
 * @example
 * const r = testRng(1); r.uniform(-1, 1);
 */
export function testRng(seed: number): { next(): number; uniform(lo: number, hi: number): number; normal(): number } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** A float64 tensor of `shape` with values uniform in [lo, hi). */
export function randomTensor(shape: readonly number[], seed: number, lo = -1, hi = 1): HostTensor<'float64'> {
  const r = testRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new HostTensor('float64', shape, Float64Array.from({ length: n }, () => r.uniform(lo, hi)));
}

/** Options of gradCheck. */
export interface GradCheckOptions {
  /** Seed for the output weighting and the direction v. */
  seed?: number;
  /** Finite-difference step (central differences: error O(h^2) + O(eps / h)). */
  h?: number;
  /** Bound on |analytic - numeric| / max(|analytic|, |numeric|, 1e-2). */
  rtol?: number;
}

/**
 * Checks reverse-mode gradients against central finite differences along a random direction.
 * The (possibly non-scalar) output y is reduced to L = sum(u * y) with a fixed random u, so every
 * output element is checked; every float input is differentiated and perturbed (int inputs, e.g.
 * gather indices, are fed unchanged). Inputs should be float64 and away from kinks (ties of max,
 * 0 of sqrt/log); y must be float64.
 *
 * @example
 * gradCheck(({ a, b }) => mul(a, b), { a: randomTensor([2, 3], 1), b: randomTensor([3], 2) });
 */
export function gradCheck(build: (inputs: Record<string, Sym>) => Sym, inputs: Record<string, HostTensor>, opts: GradCheckOptions = {}): { analytic: number; numeric: number } {
  const { seed = 7, h = 1e-5, rtol = 1e-6 } = opts;
  const b = new GraphBuilder();
  const syms: Record<string, Sym> = {};
  for (const [name, t] of Object.entries(inputs)) syms[name] = b.input(name, t.shape, t.dtype);
  const y = build(syms);
  const u = b.constant(randomTensor(y.shape, seed + 1, 0.5, 1.5));
  const loss = sum(mul(y, u));
  const wrt = Object.keys(inputs).filter((n) => isFloat(inputs[n].dtype));
  const grads = grad(loss, wrt.map((n) => syms[n]));
  b.output('loss', loss);
  wrt.forEach((n, k) => b.output(`grad:${n}`, grads[k]));
  const graph = b.build();

  const dirs: TensorMap = {};
  wrt.forEach((n, k) => (dirs[n] = randomTensor(inputs[n].shape, seed + 100 + k)));
  const base = evaluate(graph, inputs);
  let analytic = 0;
  for (const n of wrt) {
    const g = base[`grad:${n}`].data as Float64Array, v = dirs[n].data as Float64Array;
    for (let i = 0; i < v.length; i++) analytic += g[i] * v[i];
  }
  const shifted = (sign: number): number => {
    const feeds: TensorMap = { ...inputs };
    for (const n of wrt) {
      const x = inputs[n].data as Float64Array, v = dirs[n].data as Float64Array;
      feeds[n] = new HostTensor('float64', inputs[n].shape, x.map((xi, i) => xi + sign * h * v[i]));
    }
    return Number(evaluate(graph, feeds).loss.data[0]);
  };
  const numeric = (shifted(1) - shifted(-1)) / (2 * h);
  const err = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-2);
  expect(err, `<grad, v> = ${analytic}, finite difference = ${numeric}`).toBeLessThanOrEqual(rtol);
  return { analytic, numeric };
}
