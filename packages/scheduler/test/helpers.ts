// Test helpers: fixture loading and the golden README's float64 tolerances (1e-10 relative, 1e-12
// absolute floor), checked with @ddpo/tensor/testing's assertAllClose (every value must be finite).
import { readFileSync } from 'node:fs';
import { assertAllClose } from '@ddpo/tensor/testing';

/** Reads a JSON fixture from test/fixtures. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** float64 tolerances of ../shared/golden/README.md ("Recommended tolerances"). */
export const F64 = { rtol: 1e-10, atol: 1e-12 };

/** Asserts elementwise |a - e| <= atol + rtol |e| (and equal lengths, finite values), naming the first bad elements. */
export function expectClose(what: string, actual: ArrayLike<number | bigint>, expected: readonly number[], tol: { rtol: number; atol: number } = F64): void {
  assertAllClose(actual, expected, { what, ...tol, requireFinite: true });
}
