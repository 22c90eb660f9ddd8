// runConformance: the one suite every adapter passes (vitest). Each case's value and gradient
// (a `grad` graph with a random cotangent) must match the reference interpreter within the device's
// tolerance table (tolerances.ts);
// float64 gradients must match central finite differences; export -> import must give the same outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate, GraphBuilder, HostTensor, mul, PRIMITIVES, Rng, sum, type TensorAdapter, type TensorMap,
} from '@ddpo/tensor';
import { caseFeeds, caseGraph, conformanceCases, type ConformanceCase } from './conformance-cases.js';
import { exportOnnxModel } from './export.js';
import { importOnnxModel } from './import/import.js';
import { DEVICE_TOLERANCES, toleranceOf, type Tolerance, type ToleranceTable } from './tolerances.js';

/**
 * The CPU's tolerance table (DEVICE_TOLERANCES.cpu.elementwise): |got - want| <= atol + rtol |want|
 * per element (NaN matches NaN, an infinity matches itself). Integers and bools are exact. `fd`
 * bounds the float64 finite-difference check relative to (1 + |directional derivative|).
 *
 * @example
 * const { rtol, atol } = TOLERANCES.float32; // 1e-5, 1e-6
 */
export const TOLERANCES: ToleranceTable = DEVICE_TOLERANCES.cpu.elementwise;

/**
 * Asserts `got` matches `want` within `tol` (default: the CPU table's entry for want's dtype), naming
 * the first differing element.
 *
 * @example
 * expectAllClose(ortOut.y, evaluate(graph, feeds).y, 'y');
 */
export function expectAllClose(got: HostTensor, want: HostTensor, what: string, tol: Tolerance = TOLERANCES[want.dtype]): void {
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const { rtol, atol } = tol;
  const g = got.toArray();
  const w = want.toArray();
  for (let i = 0; i < w.length; i++) {
    const ok = Number.isNaN(w[i]) ? Number.isNaN(g[i]) : g[i] === w[i] || Math.abs(g[i] - w[i]) <= atol + rtol * Math.abs(w[i]);
    if (!ok) expect.fail(`${what}: element ${i} is ${g[i]}, the reference gives ${w[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Central differences of L = sum(y * seed) along a random direction, against the adapter's gradients. */
async function finiteDifferenceCheck(adapter: TensorAdapter, c: ConformanceCase, feeds: TensorMap, grads: TensorMap, floatInputs: number[], fdBound: number): Promise<void> {
  const b = new GraphBuilder();
  const xs = c.inputs.map((inp, k) => b.input(`x${k}`, inp.shape, inp.dtype));
  const y = c.build(xs);
  b.output('L', sum(mul(y, b.input('seed', y.shape, y.dtype))));
  const compiled = await adapter.compile(b.build());
  const rng = new Rng(99);
  const eps = 1e-6;
  const dirs = floatInputs.map((k) => rng.normal(c.inputs[k].shape, 'float64'));
  const shifted = (sign: number): TensorMap => {
    const f: TensorMap = { ...feeds };
    floatInputs.forEach((k, j) => (f[`x${k}`] = new HostTensor('float64', feeds[`x${k}`].shape, (feeds[`x${k}`].data as Float64Array).map((v, i) => v + sign * eps * dirs[j].data[i]))));
    return f;
  };
  const lp = Number((await compiled.run(shifted(1))).L.data[0]);
  const lm = Number((await compiled.run(shifted(-1))).L.data[0]);
  const fd = (lp - lm) / (2 * eps);
  const an = floatInputs.reduce((s, k, j) => s + grads[`grad:x${k}`].toArray().reduce((t, g, i) => t + g * (dirs[j].data[i] as number), 0), 0);
  expect(Math.abs(fd - an), `finite difference ${fd} vs gradient ${an}`).toBeLessThanOrEqual(fdBound * (1 + Math.abs(an)));
}

/**
 * Registers the conformance suite for one adapter with vitest: per case, value and gradient against
 * the reference interpreter within the device's tolerance table (default: the CPU's), finite
 * differences for float64 cases, and export -> import round trips.
 *
 * @example
 * runConformance('onnxruntime-cpu', () => createOnnxRuntimeAdapter());
 * runConformance('onnxruntime-webgpu', () => createOnnxRuntimeAdapter({ device: 'webgpu' }), DEVICE_TOLERANCES.webgpu.elementwise);
 */
export function runConformance(label: string, factory: () => Promise<TensorAdapter> | TensorAdapter, table: ToleranceTable = TOLERANCES): void {
  describe(`conformance: ${label}`, () => {
    let adapter: TensorAdapter;
    beforeAll(async () => {
      adapter = await factory();
    });
    afterAll(async () => adapter?.dispose());
    const cases = conformanceCases();

    it('covers every primitive', () => {
      const covered = new Set(cases.map((c) => c.primitive));
      expect(PRIMITIVES.filter((p) => !covered.has(p))).toEqual([]);
    });

    it.each(cases.map((c, k) => [c.name, c, k] as const))('%s', async (_name, c, k) => {
      const { graph, floatInputs } = caseGraph(c);
      const feeds = caseFeeds(c, graph, k);
      const want = evaluate(graph, feeds);
      const got = await (await adapter.compile(graph)).run(feeds);
      for (const o of graph.outputs) expectAllClose(got[o.name], want[o.name], `${c.name}: ${o.name}`, toleranceOf(table, c.primitive, want[o.name].dtype));
      const allF64 = c.inputs.every((i) => i.dtype !== 'float32') && graph.nodes[graph.outputs[0].id].dtype === 'float64';
      if (allF64 && floatInputs.length > 0 && !c.inputs.some((i) => i.kind === 'special')) await finiteDifferenceCheck(adapter, c, feeds, got, floatInputs, table.fd);
      // Export -> import -> the same outputs on this adapter.
      const again = importOnnxModel(exportOnnxModel(graph, {}));
      const round = await (await adapter.compile(again.graph)).run({ ...feeds, ...again.params });
      for (const o of graph.outputs) expectAllClose(round[o.name], got[o.name], `${c.name}: ${o.name} after export -> import`, toleranceOf(table, c.primitive, got[o.name].dtype));
    });
  });
}
