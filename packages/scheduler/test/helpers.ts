// Test helpers: fixture loading and an allclose check that reports the worst element, with the
// golden README's tolerances (float64: 1e-10 relative, 1e-12 absolute floor).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Reads a JSON fixture from test/fixtures. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** float64 tolerances of ../shared/golden/README.md ("Recommended tolerances"). */
export const F64 = { rtol: 1e-10, atol: 1e-12 };

/** Worst |a - e| - (atol + rtol |e|) over elements, with the element; <= 0 means all close. */
export function worst(actual: ArrayLike<number | bigint>, expected: readonly number[], rtol: number, atol: number) {
  let excess = -Infinity;
  let at = -1;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = expected[i];
    const d = Math.abs(a - e);
    const x = Number.isNaN(d) ? Infinity : d - (atol + rtol * Math.abs(e));
    if (x > excess) [excess, at] = [x, i];
    maxAbs = Math.max(maxAbs, d);
    if (e !== 0) maxRel = Math.max(maxRel, d / Math.abs(e));
  }
  return { excess, at, maxAbs, maxRel };
}

/** Asserts elementwise |a - e| <= atol + rtol |e| (and equal lengths), naming the worst element. */
export function expectClose(what: string, actual: ArrayLike<number | bigint>, expected: readonly number[], tol: { rtol: number; atol: number } = F64): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const w = worst(actual, expected, tol.rtol, tol.atol);
  const detail = `${what}: worst element [${w.at}] = ${Number(actual[w.at])}, expected ${expected[w.at]} (max abs ${w.maxAbs}, max rel ${w.maxRel})`;
  expect(w.excess <= 0, detail).toBe(true);
}
