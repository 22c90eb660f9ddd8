// Seeded test data that does not depend on the library's own RNG: mulberry32, deterministic across
// runs and platforms, and float64 tensors drawn from it (gradCheck's weights and directions).
import { HostTensor } from '../host.js';

/**
 * A seeded generator of test data (mulberry32).
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

/**
 * A float64 tensor of `shape` with values uniform in [lo, hi).
 *
 * @example
 * randomTensor([2, 3], 1, 0.5, 2);
 */
export function randomTensor(shape: readonly number[], seed: number, lo = -1, hi = 1): HostTensor<'float64'> {
  const r = testRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new HostTensor('float64', shape, Float64Array.from({ length: n }, () => r.uniform(lo, hi)));
}
