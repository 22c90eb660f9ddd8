// runConformance: the one suite every adapter passes (vitest). Each case's value and gradient
// (a `grad` graph with a random cotangent) must match the reference interpreter within the device's
// tolerance table (tolerances.ts);
// float64 gradients must match central finite differences; export -> import must give the same outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate, grad, GraphBuilder, HostTensor, isFloat, mul, PRIMITIVES, Rng, sum, tensor, type Graph, type TensorAdapter, type TensorMap,
} from '@ddpo/tensor';
import { conformanceCases, SPECIAL_VALUES, type CaseInput, type ConformanceCase } from './conformance-cases.js';
import { exportOnnxModel } from './export.js';
import { importOnnxModel } from './import/import.js';
import { DEVICE_TOLERANCES, type Tolerance, type ToleranceTable } from './tolerances.js';

/**
 * The CPU's tolerance table (DEVICE_TOLERANCES.cpu.elementwise): |got - want| <= atol + rtol |want|
 * per element (NaN matches NaN, an infinity matches itself). Integers and bools are exact. `fd`
 * bounds the float64 finite-difference check relative to (1 + |directional derivative|).
 *
 * @example
 * const { rtol, atol } = TOLERANCES.float32; // 1e-5, 1e-6
 */
export const TOLERANCES: ToleranceTable = DEVICE_TOLERANCES.cpu.elementwise;

function drawInput(inp: CaseInput, rng: Rng, cases: readonly CaseInput[]): HostTensor {
  if (inp.value) return inp.value;
  const n = inp.shape.reduce((p, d) => p * d, 1);
  const ints = (lo: number, hi: number) => Array.from(rng.randint([n], hi - lo + 1).data, (v) => v + lo);
  const fromNumbers = (vals: number[]) => tensor(inp.dtype === 'int64' ? vals.map(BigInt) : vals, inp.shape, inp.dtype);
  const kind = inp.kind ?? 'normal';
  switch (kind) {
    case 'normal':
      return inp.dtype === 'float64' ? rng.normal(inp.shape, 'float64') : rng.normal(inp.shape);
    case 'positive':
      return fromNumbers(Array.from(rng.uniform(inp.shape, 'float64').data, (u) => 0.5 + 1.5 * u));
    case 'small-int':
      return fromNumbers(ints(-4, 4));
    case 'nonneg-int':
      return fromNumbers(ints(0, 3));
    case 'bool':
      return fromNumbers(ints(0, 1));
    case 'index':
      return fromNumbers(ints(0, cases[0].shape[0] - 1));
    case 'special':
      return fromNumbers(Array.from({ length: n }, (_, k) => SPECIAL_VALUES[k % SPECIAL_VALUES.length]));
    default:
      return kind satisfies never;
  }
}

/** The case's graph: output y and, for a float y, the VJP of every float input for a fed cotangent `seed`. */
function caseGraph(c: ConformanceCase): { graph: Graph; floatInputs: number[] } {
  const b = new GraphBuilder();
  const xs = c.inputs.map((inp, k) => b.input(`x${k}`, inp.shape, inp.dtype));
  const y = c.build(xs);
  b.output('y', y);
  const floatInputs = xs.flatMap((x, k) => (isFloat(x.dtype) ? [k] : []));
  if (isFloat(y.dtype) && floatInputs.length > 0) {
    const seed = b.input('seed', y.shape, y.dtype);
    grad(y, floatInputs.map((k) => xs[k]), seed).forEach((g, j) => b.output(`grad:x${floatInputs[j]}`, g));
  }
  return { graph: b.build(), floatInputs };
}

function caseFeeds(c: ConformanceCase, graph: Graph, seedIndex: number): TensorMap {
  const rng = new Rng(1000 + seedIndex);
  const feeds: TensorMap = {};
  c.inputs.forEach((inp, k) => (feeds[`x${k}`] = drawInput(inp, rng, c.inputs)));
  const seed = graph.inputs.find((i) => i.name === 'seed');
  if (seed) {
    const n = graph.nodes[seed.id];
    feeds.seed = n.dtype === 'float64' ? rng.normal(n.shape, 'float64') : rng.normal(n.shape);
  }
  return feeds;
}

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

/** The tolerance of one output of a case: the table's per-primitive float32 override, else its dtype's entry. */
function toleranceFor(table: ToleranceTable, c: ConformanceCase, want: HostTensor): Tolerance {
  return (want.dtype === 'float32' ? table.ops?.[c.primitive] : undefined) ?? table[want.dtype];
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
      for (const o of graph.outputs) expectAllClose(got[o.name], want[o.name], `${c.name}: ${o.name}`, toleranceFor(table, c, want[o.name]));
      const allF64 = c.inputs.every((i) => i.dtype !== 'float32') && graph.nodes[graph.outputs[0].id].dtype === 'float64';
      if (allF64 && floatInputs.length > 0 && !c.inputs.some((i) => i.kind === 'special')) await finiteDifferenceCheck(adapter, c, feeds, got, floatInputs, table.fd);
      // Export -> import -> the same outputs on this adapter.
      const again = importOnnxModel(exportOnnxModel(graph, {}));
      const round = await (await adapter.compile(again.graph)).run({ ...feeds, ...again.params });
      for (const o of graph.outputs) expectAllClose(round[o.name], got[o.name], `${c.name}: ${o.name} after export -> import`, toleranceFor(table, c, got[o.name]));
    });
  });
}
