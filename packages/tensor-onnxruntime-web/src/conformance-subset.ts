// A runner-agnostic conformance check for adapters that run where vitest cannot (a browser page):
// the first case of every primitive from the shared case list of @ddpo/tensor/testing (the list the
// Node adapter's suite runs), value and gradient against the reference interpreter, within a tolerance
// table. Returns one result per case instead of asserting, so a page can report them and a Node test
// can assert them.
import { evaluate, type HostTensor, type TensorAdapter } from '@ddpo/tensor';
import { caseFeeds, caseGraph, conformanceCases, DEVICE_TOLERANCES, toleranceOf, type ConformanceCase, type ToleranceTable } from '@ddpo/tensor/testing';

/** The names of the cases run: the first case of each primitive (every primitive is covered once). */
export const CONFORMANCE_SUBSET: readonly string[] = (() => {
  const seen = new Set<string>();
  return conformanceCases().flatMap((c) => (seen.has(c.primitive) ? [] : (seen.add(c.primitive), [c.name])));
})();

/** The outcome of one case: `problem` names the first output and element that differs, or what threw. */
export interface SubsetResult {
  name: string;
  ok: boolean;
  problem?: string;
}

/** The first element of `got` outside |got - want| <= atol + rtol |want| (NaN matches NaN), or undefined. */
function firstDifference(got: HostTensor, want: HostTensor, rtol: number, atol: number): string | undefined {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, the reference gives ${want.dtype}`;
  if (got.shape.join(',') !== want.shape.join(',')) return `shape [${got.shape.join(', ')}], the reference gives [${want.shape.join(', ')}]`;
  const g = got.toArray();
  const w = want.toArray();
  for (let i = 0; i < w.length; i++) {
    const ok = Number.isNaN(w[i]) ? Number.isNaN(g[i]) : g[i] === w[i] || Math.abs(g[i] - w[i]) <= atol + rtol * Math.abs(w[i]);
    if (!ok) return `element ${i} is ${g[i]}, the reference gives ${w[i]} (rtol ${rtol}, atol ${atol})`;
  }
  return undefined;
}

/**
 * Runs the subset on `adapter` (default tolerances: the CPU table, as onnxruntime-web's wasm kernels
 * are ORT's CPU kernels). `names` narrows it further.
 *
 * @example
 * const results = await runConformanceSubset(await createOnnxRuntimeWebAdapter({ device: 'wasm' }));
 * results.filter((r) => !r.ok); // []
 */
export async function runConformanceSubset(
  adapter: TensorAdapter,
  opts: { table?: ToleranceTable; names?: readonly string[] } = {},
): Promise<SubsetResult[]> {
  const table = opts.table ?? DEVICE_TOLERANCES.cpu.elementwise;
  const wanted = new Set(opts.names ?? CONFORMANCE_SUBSET);
  const all: ConformanceCase[] = conformanceCases();
  const results: SubsetResult[] = [];
  for (let k = 0; k < all.length; k++) {
    const c = all[k];
    if (!wanted.has(c.name)) continue;
    try {
      const { graph } = caseGraph(c);
      const feeds = caseFeeds(c, graph, k); // k: the same draws as the Node suite's case k
      const want = evaluate(graph, feeds);
      const got = await (await adapter.compile(graph)).run(feeds);
      let problem: string | undefined;
      for (const o of graph.outputs) {
        const { rtol, atol } = toleranceOf(table, c.primitive, want[o.name].dtype);
        const d = firstDifference(got[o.name], want[o.name], rtol, atol);
        if (d !== undefined) {
          problem = `${o.name}: ${d}`;
          break;
        }
      }
      results.push(problem === undefined ? { name: c.name, ok: true } : { name: c.name, ok: false, problem });
    } catch (e) {
      results.push({ name: c.name, ok: false, problem: `threw ${(e as Error).name ?? 'error'}: ${(e as Error).message ?? String(e)}` });
    }
  }
  return results;
}
