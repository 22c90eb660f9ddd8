// Test helpers: fixture loading and an allclose check naming the worst element (golden README
// tolerances: float64 1e-10 relative with a 1e-12 absolute floor).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Reads a JSON fixture from test/fixtures. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Asserts |a - e| <= atol + rtol |e| elementwise (and equal lengths), naming the worst element. */
export function expectClose(what: string, actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>, tol = { rtol: 1e-10, atol: 1e-12 }): number {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -Infinity;
  let at = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    const d = Math.abs(a - e);
    const x = Number.isNaN(d) ? Infinity : d - (tol.atol + tol.rtol * Math.abs(e));
    if (x > worst) [worst, at] = [x, i];
    maxAbs = Math.max(maxAbs, d);
  }
  expect(worst <= 0, `${what}: worst element [${at}] = ${Number(actual[at])}, expected ${Number(expected[at])} (max abs ${maxAbs})`).toBe(true);
  return maxAbs;
}
