// The one gradient check: reverse-mode gradients against central finite differences along a random
// direction, in float64. `gradCheck` runs it on the reference interpreter (synchronously),
// `gradCheckOn` on any adapter; both are the same steps (a generator that asks its driver to run the
// graph), the same seeds and the same bound.
import type { TensorAdapter, TensorMap } from '../adapter.js';
import { GraphBuilder, type Sym } from '../builder.js';
import { isFloat } from '../dtype.js';
import { DdpoError } from '../errors.js';
import { grad } from '../grad.js';
import { HostTensor } from '../host.js';
import { evaluate } from '../interpreter.js';
import type { Graph } from '../ir.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { randomTensor } from './random.js';
import { DEVICE_TOLERANCES } from './tolerances.js';

/** Options of gradCheck. */
export interface GradCheckOptions {
  /** Seed for the output weighting and the direction v. */
  seed?: number;
  /** Finite-difference step (central differences: error O(h^2) + O(eps / h)). */
  h?: number;
  /** Bound on |analytic - numeric| / max(|analytic|, |numeric|, 1e-2); default: the reference table's `fd`. */
  rtol?: number;
  /** Names the check in the error message. */
  what?: string;
}

/** The directional derivative both ways. */
export interface GradCheckResult {
  analytic: number;
  numeric: number;
  /** |analytic - numeric| / max(|analytic|, |numeric|, 1e-2). */
  error: number;
}

/** A gradient that disagrees with finite differences. */
export class GradCheckError extends DdpoError {
  constructor(readonly what: string, readonly result: GradCheckResult, readonly rtol: number) {
    super(`${what}: <grad, v> = ${result.analytic}, finite difference = ${result.numeric} (relative error ${result.error} > ${rtol})`);
  }
}

type Build = (inputs: Record<string, Sym>) => Sym;

/** The check's steps; yields each (graph, feeds) to run and receives its outputs. */
function* steps(build: Build, inputs: TensorMap, opts: GradCheckOptions): Generator<[Graph, TensorMap], GradCheckResult, TensorMap> {
  const { seed = 7, h = 1e-5, rtol = DEVICE_TOLERANCES.reference.elementwise.fd, what = 'gradCheck' } = opts;
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
  const base = yield [graph, inputs];
  let analytic = 0;
  for (const n of wrt) {
    const g = base[`grad:${n}`].toArray(), v = dirs[n].data as Float64Array;
    for (let i = 0; i < v.length; i++) analytic += g[i] * v[i];
  }
  const shifted = (sign: number): TensorMap => {
    const feeds: TensorMap = { ...inputs };
    for (const n of wrt) {
      const x = inputs[n].toArray(), v = dirs[n].data as Float64Array;
      feeds[n] = new HostTensor('float64', inputs[n].shape, Float64Array.from(x, (xi, i) => xi + sign * h * v[i]));
    }
    return feeds;
  };
  const plus = Number((yield [graph, shifted(1)]).loss.data[0]);
  const minus = Number((yield [graph, shifted(-1)]).loss.data[0]);
  const numeric = (plus - minus) / (2 * h);
  const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-2);
  const result = { analytic, numeric, error };
  if (!(error <= rtol)) throw new GradCheckError(what, result, rtol);
  return result;
}

/**
 * Checks reverse-mode gradients against central finite differences on the reference interpreter. The
 * (possibly non-scalar) output y is reduced to L = sum(u * y) with a fixed random u, so every output
 * element is checked; every float input is differentiated and perturbed (int inputs, e.g. gather
 * indices, are fed unchanged). Inputs should be float64 and away from kinks (ties of max, 0 of
 * sqrt/log); y must be float64. Throws a GradCheckError past the bound.
 *
 * @example
 * gradCheck(({ a, b }) => mul(a, b), { a: randomTensor([2, 3], 1), b: randomTensor([3], 2) });
 */
export function gradCheck(build: Build, inputs: TensorMap, opts: GradCheckOptions = {}): GradCheckResult {
  const it = steps(build, inputs, opts);
  let r = it.next();
  while (!r.done) r = it.next(evaluate(r.value[0], r.value[1]));
  return r.value;
}

/**
 * gradCheck with the graph compiled and run by `adapter` (forward, gradient and the shifted losses).
 *
 * @example
 * await gradCheckOn(adapter, ({ x }) => exp(x), { x: randomTensor([3], 1) });
 */
export async function gradCheckOn(adapter: TensorAdapter, build: Build, inputs: TensorMap, opts: GradCheckOptions = {}): Promise<GradCheckResult> {
  const it = steps(build, inputs, opts);
  let r = it.next();
  while (!r.done) r = it.next(await (await adapter.compile(r.value[0])).run(r.value[1]));
  return r.value;
}
