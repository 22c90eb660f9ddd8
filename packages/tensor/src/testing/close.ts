// Closeness of results, for tests of any runner: `allClose` reports, `assertAllClose` throws a
// NotCloseError naming the first differing elements, `maxRelativeError` is the whole-model measure.
// NaN matches NaN, an infinity matches only itself; integers and bools compare exactly by default.
import type { DType } from '../dtype.js';
import { DdpoError } from '../errors.js';
import { HostTensor } from '../host.js';
import { DEVICE_TOLERANCES, type Tolerance } from './tolerances.js';

type Values = HostTensor | ArrayLike<number | bigint>;

/** What `allClose` found. */
export interface CloseReport {
  ok: boolean;
  rtol: number;
  atol: number;
  /** Up to five mismatches, as `[i] got a, expected e`. */
  mismatches: string[];
}

/** Options of `allClose` / `assertAllClose`; unset bounds come from the reference table for the values' dtype. */
export interface CloseOptions extends Partial<Tolerance> {
  /** Names the values in the error message. */
  what?: string;
  /** The shape `actual` must have (a HostTensor only). */
  shape?: readonly number[];
  /** Require `actual` and `expected` (both HostTensors) to have the same dtype and shape. */
  sameDtypeAndShape?: boolean;
  /** Every value must be finite: NaN and infinities fail even where both sides agree (golden float64 data). */
  requireFinite?: boolean;
}

/** Results that are not close. */
export class NotCloseError extends DdpoError {
  constructor(readonly what: string, readonly detail: string) {
    super(`${what}: ${detail}`);
  }
}

const numbers = (v: Values): number[] => Array.from(v instanceof HostTensor ? (v.data as ArrayLike<number | bigint>) : v, Number);

/**
 * Compares elementwise: |a - e| <= atol + rtol |e|. Default bounds: the reference table's entry for
 * actual's dtype (float64 for plain arrays).
 *
 * @example
 * allClose(got, [1, 2, 3]).ok;
 */
export function allClose(actual: Values, expected: Values, opts: CloseOptions = {}): CloseReport {
  const dtype: DType = actual instanceof HostTensor ? actual.dtype : 'float64';
  const { rtol, atol } = { ...DEVICE_TOLERANCES.reference.elementwise[dtype], ...definedBounds(opts) };
  const mismatches: string[] = [];
  const fail = (m: string) => ({ ok: false, rtol, atol, mismatches: [m] });
  if (opts.sameDtypeAndShape && actual instanceof HostTensor && expected instanceof HostTensor) {
    if (actual.dtype !== expected.dtype) return fail(`dtype ${actual.dtype}, expected ${expected.dtype}`);
    if (!sameShape(actual.shape, expected.shape)) return fail(`shape [${actual.shape}], expected [${expected.shape}]`);
  }
  if (opts.shape && actual instanceof HostTensor && !sameShape(actual.shape, opts.shape)) return fail(`shape [${actual.shape}], expected [${opts.shape}]`);
  const a = numbers(actual);
  const e = numbers(expected);
  if (a.length !== e.length) return fail(`${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    if (opts.requireFinite && !(Number.isFinite(a[i]) && Number.isFinite(e[i]))) {
      if (mismatches.length < 5) mismatches.push(`[${i}] got ${a[i]}, expected ${e[i]} (not finite)`);
      continue;
    }
    const ok = Number.isNaN(e[i]) ? Number.isNaN(a[i]) : !Number.isFinite(e[i]) ? a[i] === e[i] : a[i] === e[i] || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok && mismatches.length < 5) mismatches.push(`[${i}] got ${a[i]}, expected ${e[i]}`);
  }
  return { ok: mismatches.length === 0, rtol, atol, mismatches };
}

/**
 * Throws a NotCloseError unless `allClose(actual, expected, opts).ok`.
 *
 * @example
 * assertAllClose(evaluate(graph, feeds).y, [1, 4, 9], { what: 'square', rtol: 0 });
 */
export function assertAllClose(actual: Values, expected: Values, opts: CloseOptions = {}): void {
  const r = allClose(actual, expected, opts);
  if (!r.ok) throw new NotCloseError(opts.what ?? 'values', `not close (rtol ${r.rtol}, atol ${r.atol}): ${r.mismatches.join('; ')}`);
}

/**
 * max |got - want| / max(max |want|, floor): the whole-model measure of ModelTolerance.
 *
 * @example
 * maxRelativeError(out.noise_pred, golden) < DEVICE_TOLERANCES.cpu.model.forward;
 */
export function maxRelativeError(got: Values, want: Values, floor = 0): number {
  const g = numbers(got);
  const w = numbers(want);
  if (g.length !== w.length) throw new NotCloseError('maxRelativeError', `${g.length} elements, expected ${w.length}`);
  let num = 0;
  let den = floor;
  w.forEach((v, i) => {
    num = Math.max(num, Math.abs(g[i] - v));
    den = Math.max(den, Math.abs(v));
  });
  return num / den;
}

function definedBounds(o: CloseOptions): Partial<Tolerance> {
  return { ...(o.rtol !== undefined ? { rtol: o.rtol } : {}), ...(o.atol !== undefined ? { atol: o.atol } : {}) };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
