// Test helpers: fixture loading and @ddpo/tensor/testing's closeness check with the golden README's
// tolerances (float64 1e-10 relative with a 1e-12 absolute floor; every value must be finite).
import { readFileSync } from 'node:fs';
import { assertAllClose } from '@ddpo/tensor/testing';

/** Reads a JSON fixture from test/fixtures. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Asserts |a - e| <= atol + rtol |e| elementwise (equal lengths, finite values); returns the largest |a - e|. */
export function expectClose(what: string, actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>, tol = { rtol: 1e-10, atol: 1e-12 }): number {
  assertAllClose(actual, expected, { what, ...tol, requireFinite: true });
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(Number(actual[i]) - Number(expected[i])));
  return maxAbs;
}
